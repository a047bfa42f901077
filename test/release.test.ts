// scripts/build.ts and the aarch64 release executable: a normal build into a
// temporary directory, an offline cross build for linux-arm64 from the
// runtime cache, and that executable run under qemu-user
// (scripts/check-arm64.ts) when qemu-aarch64 and /usr/aarch64-linux-gnu exist.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { elfInfo, ensureRuntime, parseBuildArgs, pinnedBunVersion, RELEASE_TARGETS, writeChecksums } from "../scripts/build.ts";
import { qemuAvailable, runChecks } from "../scripts/check-arm64.ts";
import { ROOT } from "./helpers.ts";

const TMP = mkdtempSync("/tmp/tsbox-release-");
chmodSync(TMP, 0o755); // check-arm64 runs the executable as uid 65534 too
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const BUILD = join(ROOT, "scripts", "build.ts");

function buildScript(args: string[], wrap: string[] = []) {
  const argv = [...wrap, process.execPath, BUILD, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (r.error) throw r.error;
  return r;
}

describe("build.ts pieces", () => {
  test("arguments", () => {
    expect(parseBuildArgs([], "/x")).toEqual({ release: false, binary: true, targets: undefined, outdir: join(ROOT, "dist"), cache: join(ROOT, ".cache", "runtimes") });
    expect(parseBuildArgs(["--release", "--outdir", "out", "--cache", "/c", "--target", "a", "--target", "b"], "/x"))
      .toEqual({ release: true, binary: true, targets: ["a", "b"], outdir: "/x/out", cache: "/c" });
    expect(() => parseBuildArgs(["--outdir"])).toThrow(/needs a value/);
    expect(() => parseBuildArgs(["--relase"])).toThrow(/unknown argument/);
  });

  test("the pinned Bun is the one running the build", () => {
    expect(pinnedBunVersion()).toBe(Bun.version);
  });

  test("elfInfo reads machine and interpreter", () => {
    const me = elfInfo(process.execPath);
    expect(me.machine).toBe(process.arch === "arm64" ? 183 : 62);
    expect(me.interpreter).toBe(process.arch === "arm64" ? "/lib/ld-linux-aarch64.so.1" : "/lib64/ld-linux-x86-64.so.2");
    const notElf = join(TMP, "not-elf");
    writeFileSync(notElf, "#!/bin/sh\n".padEnd(64, " "));
    expect(() => elfInfo(notElf)).toThrow(/not a 64-bit little-endian ELF/);
  });

  test("SHA256SUMS is in sha256sum(1) format", () => {
    const dir = join(TMP, "sums");
    spawnSync("mkdir", ["-p", join(dir, "sub")]);
    writeFileSync(join(dir, "a"), "hello\n");
    writeFileSync(join(dir, "sub", "b"), "");
    const sums = writeChecksums(dir, [join(dir, "a"), join(dir, "sub", "b")]);
    expect(readFileSync(sums, "utf8")).toBe(
      "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a\n" +
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  sub/b\n");
    expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: dir }).status).toBe(0);
  });
});

describe("bun scripts/build.ts --outdir DIR", () => {
  const out = join(TMP, "out");
  let r: ReturnType<typeof buildScript>;
  beforeAll(() => { r = buildScript(["--outdir", out]); }, 300_000);

  test("builds the executable, the man page, the completions and SHA256SUMS, and prints their sizes", () => {
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["SHA256SUMS", "completions", "index.js", "tsbox", "tsbox.1", "tsbox.js"]);
    expect(readdirSync(join(out, "completions")).sort()).toEqual(["_tsbox", "tsbox.bash", "tsbox.fish"]);
    expect(r.stdout).toMatch(/^file +bytes +size +runs on$/m);
    expect(r.stdout).toMatch(/^tsbox +\d{8,} +\d+\.\d MiB +(x86_64|aarch64), glibc$/m);
  });

  test("the executable runs, and the sums check", () => {
    const v = spawnSync(join(out, "tsbox"), ["--version"], { encoding: "utf8" });
    expect(v.stdout).toBe(`tsbox ${pkg.version}\n`);
    expect(readFileSync(join(out, "SHA256SUMS"), "utf8").split("\n").filter(Boolean).map((l) => l.split("  ")[1]))
      .toEqual(["tsbox", "tsbox.1", "completions/tsbox.bash", "completions/_tsbox", "completions/tsbox.fish", "tsbox.js", "index.js"]);
    const c = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(c.status).toBe(0);
  });
});

describe("linux-arm64 release executable", () => {
  const arm = RELEASE_TARGETS.find((t) => t.name === "linux-arm64")!;
  const out = join(TMP, "arm64");
  const bin = join(out, "tsbox-linux-arm64");

  test("the runtime is in the cache (fetched with npm pack when it is not)", () => {
    const runtime = ensureRuntime(arm, pinnedBunVersion(), parseBuildArgs([]).cache, () => {});
    expect(runtime).toBeDefined();
    expect(elfInfo(runtime!).machine).toBe(183);
  }, 300_000);

  test("--target builds it offline from the cache, and nothing else", () => {
    // Without a network namespace of its own, a download would be possible;
    // as root, prove it is not needed.
    const offline = process.getuid?.() === 0 && spawnSync("unshare", ["--net", "true"]).status === 0;
    const r = buildScript(["--target", "linux-arm64", "--outdir", out], offline ? ["unshare", "--net"] : []);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toEqual(["tsbox-linux-arm64"]);
    expect(elfInfo(bin)).toEqual({ machine: 183, interpreter: "/lib/ld-linux-aarch64.so.1" });
  }, 300_000);

  test.skipIf(!qemuAvailable())("runs under qemu-aarch64 (scripts/check-arm64.ts)", () => {
    expect(existsSync(bin)).toBe(true);
    const probes = runChecks(bin, pkg.version);
    expect(probes.filter((p) => p.failure !== undefined).map((p) => `${p.name}: ${p.failure} (status ${p.status}: ${p.stderr.trim()})`)).toEqual([]);
    expect(probes.map((p) => p.name)).toContain("--version");
    expect(probes.find((p) => p.name === "--version")!.stdout).toBe(`tsbox ${pkg.version}\n`);
  }, 300_000);
});

test("check-arm64.ts explains a missing executable", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "check-arm64.ts"), join(TMP, "nothing-here")], { encoding: "utf8" });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(qemuAvailable() ? /nothing-here is missing/ : /needs qemu-aarch64/);
});

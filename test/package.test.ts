// The npm package as its users get it: `npm pack` (which runs prepack: the
// man page and completions), then `npm install <tarball> bun@<pinned>` into
// an empty project, then `bunx tsbox ...` there, as root and as uid 65534.
// Needs the npm registry (one install for the whole file).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NOBODY, ROOT } from "./helpers.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string; bin: Record<string, string>; files: string[]; engines: Record<string, string>;
  devDependencies: Record<string, string>; man: string[];
};

const TMP = mkdtempSync("/tmp/tsbox-package-");
chmodSync(TMP, 0o755); // the project must be reachable by uid 65534
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const PROJECT = join(TMP, "project");
const HOME = join(TMP, "home"); // bunx keeps a cache in $HOME/.bun
let tarball = "";
let entries: string[] = [];

function sh(cmd: string, args: string[], opts: { cwd: string; asNobody?: boolean; timeout?: number }) {
  const argv = opts.asNobody ? ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", cmd, ...args] : [cmd, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: opts.cwd, encoding: "utf8", timeout: opts.timeout ?? 60_000, maxBuffer: 16 * 1024 * 1024,
    // No bun on PATH: bunx must find both the runtime and the bin by itself.
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME, npm_config_update_notifier: "false" },
  });
  if (r.error) throw r.error;
  return r;
}

beforeAll(() => {
  mkdirSync(HOME, { mode: 0o777 });
  chmodSync(HOME, 0o777);
  const packed = spawnSync("npm", ["pack", "--pack-destination", TMP], {
    cwd: ROOT, encoding: "utf8", timeout: 120_000,
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` },
  });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const tgz = readdirSync(TMP).filter((f) => f.endsWith(".tgz"));
  if (tgz.length !== 1) throw new Error(`npm pack made ${tgz.join(", ") || "nothing"}`);
  tarball = join(TMP, tgz[0]!);
  entries = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" }).stdout.trim().split("\n");

  mkdirSync(PROJECT);
  writeFileSync(join(PROJECT, "package.json"), JSON.stringify({ name: "tsbox-package-test", private: true }));
  const inst = sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, `bun@${pkg.devDependencies.bun}`], { cwd: PROJECT, timeout: 300_000 });
  if (inst.status !== 0) throw new Error(`npm install failed:\n${inst.stderr}`);
  spawnSync("chmod", ["-R", "a+rX", TMP]);
}, 400_000);

describe("package.json", () => {
  test("bin, engines, man, files", () => {
    expect(pkg.bin).toEqual({ tsbox: "bin/tsbox.js" });
    expect(readFileSync(join(ROOT, "bin", "tsbox.js"), "utf8").split("\n")[0]).toBe("#!/usr/bin/env bun");
    expect(pkg.engines.bun).toMatch(/^>=\d+\.\d+\.\d+$/);
    expect(pkg.man).toEqual(["./dist/tsbox.1"]);
    expect(pkg.files).toEqual(expect.arrayContaining(["bin/", "src/", "dist/tsbox.1", "dist/completions/"]));
  });
});

describe("npm pack", () => {
  test("ships the program, the man page and the completions", () => {
    for (const f of ["package.json", "bin/tsbox.js", "src/main.ts", "src/index.ts", "src/cli/options.ts", "src/cli/shebang.ts",
      "dist/tsbox.js", "dist/index.js",
      "dist/tsbox.1", "dist/completions/tsbox.bash", "dist/completions/_tsbox", "dist/completions/tsbox.fish"]) {
      expect(entries).toContain(`package/${f}`);
    }
  });

  test("and nothing else: no tests, scripts, docs sources, build output or caches", () => {
    const allowed = /^package\/(package\.json|README\.md|LICENSE|bin\/tsbox\.js|src\/.+\.ts|dist\/(tsbox|index)\.js|dist\/tsbox\.1|dist\/completions\/(tsbox\.bash|_tsbox|tsbox\.fish))$/;
    expect(entries.filter((e) => !allowed.test(e))).toEqual([]);
    expect(entries.filter((e) => e.endsWith(".test.ts"))).toEqual([]);
    // Not the 100 MB executable, by any name.
    expect(statSync(tarball).size).toBeLessThan(1024 * 1024);
  });
});

describe("installed beside bun", () => {
  test("node_modules/.bin has tsbox, bun and bunx", () => {
    const bin = join(PROJECT, "node_modules", ".bin");
    expect(lstatSync(join(bin, "tsbox")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(bin, "tsbox"))).toBe("../tsbox/bin/tsbox.js");
    expect(existsSync(join(bin, "bunx"))).toBe(true);
    expect(existsSync(join(PROJECT, "node_modules", "tsbox", "dist", "tsbox.1"))).toBe(true);
  });

  test("bunx tsbox runs a command in a sandbox (root)", () => {
    const r = sh("node_modules/.bin/bunx", ["tsbox", "--ro-bind", "/", "/", "--", "echo", "ok"], { cwd: PROJECT });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok\n");
    expect(r.status).toBe(0);
  });

  test("bunx tsbox runs a command in a sandbox (uid 65534: user namespace and re-exec under bun)", () => {
    const r = sh("node_modules/.bin/bunx", ["tsbox", "--ro-bind", "/", "/", "--become-root", "--", "sh", "-c", "echo ok; id -u; cat /proc/self/uid_map"], { cwd: PROJECT, asNobody: true });
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").slice(0, 2)).toEqual(["ok", "0"]);
    expect(r.stdout.split("\n")[2]!.trim().split(/\s+/)).toEqual(["0", String(NOBODY), "1"]);
    expect(r.status).toBe(0);
  });

  test("npx finds bun in node_modules/.bin too", () => {
    const r = sh("npx", ["--no-install", "tsbox", "--version"], { cwd: PROJECT });
    expect(r.stdout).toBe(`tsbox ${pkg.version}\n`);
    expect(r.status).toBe(0);
  });

  test("a failure is one line and status 125, as with the binary", () => {
    const r = sh("node_modules/.bin/bunx", ["tsbox", "--bogus"], { cwd: PROJECT });
    expect(r.stderr).toBe("tsbox: --bogus: unknown option (see --help)\n");
    expect(r.status).toBe(125);
  });
});

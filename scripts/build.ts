// Builds tsbox as its users get it.
//
//   bun scripts/build.ts                  DIR/tsbox (this machine), DIR/tsbox.1,
//                                         DIR/completions/*, DIR/SHA256SUMS
//   bun scripts/build.ts --release        the same, plus DIR/tsbox-linux-x64,
//                                         -linux-arm64, -linux-x64-musl, -linux-arm64-musl
//   bun scripts/build.ts --target linux-arm64 [--target ...]
//                                         only those release executables
//   --outdir DIR                          default: dist
//   --cache DIR                           default: .cache/runtimes
//
// Release executables are cross-compiled offline. `bun build --compile
// --target=...` downloads the target's runtime unless it is given one with
// --compile-executable-path, so the runtime comes from the npm registry
// instead, the same way as the `bun` devDependency: `npm pack
// @oven/bun-linux-aarch64@<that version>` into the cache, once, then its
// package/bin/bun. With the cache filled, a release build needs no network.
// Each result is checked: ELF machine and program interpreter must be the
// target's.

import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, join, relative, resolve } from "node:path";
import { buildManPage } from "./man.ts";
import { writeCompletions } from "./completions.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const ENTRY = join(ROOT, "src", "cli.ts");

// --no-compile-autoload-*: the binary must not read .env or bunfig.toml from
// whatever directory it is run in.
// --compile-jit-policy=16: tier up to the JIT sixteen times later; a tsbox
// run is a few milliseconds of straight-line code that the JIT cannot pay back.
const COMPILE_FLAGS = ["--compile", "--bytecode", "--minify", "--compile-jit-policy=16", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];

/**
 * The single-file bundles the npm package runs under Bun: dist/tsbox.js for
 * `bunx tsbox` and dist/index.js for `require("tsbox")`. One file each,
 * because loading a graph of many modules makes Bun start thread-pool
 * threads, and a user namespace needs a single-threaded process.
 */
export function bundle(outdir: string): string[] {
  const out = [join(outdir, "tsbox.js"), join(outdir, "index.js")];
  run(process.execPath, ["build", "--target=bun", "--minify", ENTRY, "--outfile", out[0]!], "bundling tsbox.js");
  run(process.execPath, ["build", "--target=bun", "--minify", join(ROOT, "src", "index.ts"), "--outfile", out[1]!], "bundling index.js");
  return out;
}

export interface ReleaseTarget {
  /** Suffix of the file name: tsbox-<name>. */
  readonly name: string;
  /** bun build --target. */
  readonly bunTarget: string;
  /** The npm package that carries this target's runtime. */
  readonly npmPackage: string;
  /** ELF e_machine: 62 x86_64, 183 aarch64. */
  readonly machine: number;
  /** PT_INTERP the runtime (and so the executable) asks for. */
  readonly interpreter: string;
  /** Built only if the registry has the package. */
  readonly optional: boolean;
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", npmPackage: "@oven/bun-linux-x64", machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2", optional: false },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", npmPackage: "@oven/bun-linux-aarch64", machine: 183, interpreter: "/lib/ld-linux-aarch64.so.1", optional: false },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", npmPackage: "@oven/bun-linux-x64-musl", machine: 62, interpreter: "/lib/ld-musl-x86_64.so.1", optional: true },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", npmPackage: "@oven/bun-linux-aarch64-musl", machine: 183, interpreter: "/lib/ld-musl-aarch64.so.1", optional: true },
];

/** The Bun version the project pins (the `bun` devDependency); release runtimes must match it. */
export function pinnedBunVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const v = pkg.devDependencies?.bun;
  if (!v || !/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`package.json: devDependencies.bun must be an exact version, not ${v}`);
  return v;
}

function run(cmd: string, args: readonly string[], what: string): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: ${cmd} exited with ${r.status}\n${r.stderr.trim()}`);
  return r.stdout;
}

/** ELF e_machine and PT_INTERP of an executable (64-bit little-endian only). */
export function elfInfo(path: string): { machine: number; interpreter: string | undefined } {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) throw new Error(`${path}: not a 64-bit little-endian ELF file`);
    const machine = head.readUInt16LE(18);
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const e = ph.subarray(i * phentsize);
      if (e.readUInt32LE(0) !== 3) continue; // PT_INTERP
      const off = Number(e.readBigUInt64LE(8));
      const size = Number(e.readBigUInt64LE(32));
      const s = Buffer.alloc(size);
      readSync(fd, s, 0, size, off);
      return { machine, interpreter: s.toString("latin1").replace(/\0+$/, "") };
    }
    return { machine, interpreter: undefined };
  } finally {
    closeSync(fd);
  }
}

/**
 * The runtime executable for `t`, from the cache, or fetched into it with
 * `npm pack` (the only step that uses the network). Returns undefined for an
 * optional target whose package the registry does not have.
 */
export function ensureRuntime(t: ReleaseTarget, version: string, cacheDir: string, log: (s: string) => void): string | undefined {
  const dir = join(cacheDir, `${t.npmPackage.replace("@", "").replace("/", "-")}-${version}`);
  const bun = join(dir, "bun");
  if (existsSync(bun)) return bun;
  const spec = `${t.npmPackage}@${version}`;
  if (t.optional) {
    const r = spawnSync("npm", ["view", spec, "version"], { encoding: "utf8" });
    if (r.status !== 0 || r.stdout.trim() !== version) {
      log(`skipping tsbox-${t.name}: the npm registry has no ${spec}`);
      return undefined;
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, ".fetch-"));
  try {
    log(`fetching ${spec} into ${relative(ROOT, cacheDir) || cacheDir}`);
    const tgz = run("npm", ["pack", spec, "--pack-destination", tmp, "--silent"], `npm pack ${spec}`).trim().split("\n").pop()!;
    run("tar", ["-xzf", join(tmp, tgz), "-C", tmp, "package/bin/bun"], `extracting ${tgz}`);
    const got = join(tmp, "package", "bin", "bun");
    const info = elfInfo(got);
    if (info.machine !== t.machine) throw new Error(`${spec}: package/bin/bun has ELF machine ${info.machine}, expected ${t.machine}`);
    chmodSync(got, 0o755);
    mkdirSync(dir, { recursive: true });
    renameSync(got, bun);
    return bun;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Compile src/main.ts to `outfile`, for this machine or, with a runtime, for a release target. */
export function compile(outfile: string, target?: { t: ReleaseTarget; runtime: string }): void {
  const args = ["build", ...COMPILE_FLAGS];
  if (target) args.push(`--target=${target.t.bunTarget}`, "--compile-executable-path", target.runtime);
  args.push(ENTRY, "--outfile", outfile);
  run(process.execPath, args, `building ${basename(outfile)}`);
  if (target) {
    const info = elfInfo(outfile);
    if (info.machine !== target.t.machine || info.interpreter !== target.t.interpreter)
      throw new Error(`${outfile}: built for ELF machine ${info.machine} with interpreter ${info.interpreter}, expected ${target.t.machine} and ${target.t.interpreter}`);
  }
}

/** Build the release executables named (all by default) into outdir; returns the files made. */
export function buildRelease(outdir: string, cacheDir: string, names: readonly string[] | undefined, log: (s: string) => void): string[] {
  const version = pinnedBunVersion();
  if (Bun.version !== version)
    throw new Error(`this is Bun ${Bun.version}, but package.json pins bun ${version}: run the build with node_modules/.bin/bun (npm run build:release)`);
  const wanted = names ?? RELEASE_TARGETS.map((t) => t.name);
  for (const n of wanted) if (!RELEASE_TARGETS.some((t) => t.name === n)) throw new Error(`unknown release target ${n} (known: ${RELEASE_TARGETS.map((t) => t.name).join(", ")})`);
  const made: string[] = [];
  for (const t of RELEASE_TARGETS.filter((x) => wanted.includes(x.name))) {
    const runtime = ensureRuntime(t, version, cacheDir, log);
    if (!runtime) continue;
    const out = join(outdir, `tsbox-${t.name}`);
    compile(out, { t, runtime });
    made.push(out);
  }
  return made;
}

/** dist/SHA256SUMS in sha256sum(1) format, paths relative to outdir. */
export function writeChecksums(outdir: string, files: readonly string[]): string {
  const lines = files.map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${relative(outdir, f)}`);
  const out = join(outdir, "SHA256SUMS");
  writeFileSync(out, `${lines.join("\n")}\n`);
  return out;
}

function sizeTable(outdir: string, files: readonly string[]): string {
  const rows = files.map((f) => {
    const size = statSync(f).size;
    let kind = "";
    try {
      const e = elfInfo(f);
      kind = `${e.machine === 62 ? "x86_64" : e.machine === 183 ? "aarch64" : `machine ${e.machine}`}, ${e.interpreter?.includes("musl") ? "musl" : "glibc"}`;
    } catch {
      kind = "";
    }
    const human = size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MiB` : `${(size / 1024).toFixed(1)} KiB`;
    return [relative(outdir, f), String(size), human, kind];
  });
  const head = ["file", "bytes", "size", "runs on"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 1 || i === 2 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join("  ").trimEnd();
  return [fmt(head), fmt(w.map((n) => "-".repeat(n))), ...rows.map(fmt)].join("\n");
}

export interface BuildArgs {
  release: boolean;
  /** --no-binary: only the bundles, the man page and the completions (what `npm pack` needs). */
  binary: boolean;
  targets: string[] | undefined;
  outdir: string;
  cache: string;
}

export function parseBuildArgs(argv: readonly string[], cwd = process.cwd()): BuildArgs {
  const a: BuildArgs = { release: false, binary: true, targets: undefined, outdir: join(ROOT, "dist"), cache: join(ROOT, ".cache", "runtimes") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--release") a.release = true;
    else if (arg === "--no-binary") a.binary = false;
    else if (arg === "--outdir") a.outdir = resolve(cwd, value());
    else if (arg === "--cache") a.cache = resolve(cwd, value());
    else if (arg === "--target") (a.targets ??= []).push(value());
    else throw new Error(`unknown argument ${arg} (see the top of scripts/build.ts)`);
  }
  return a;
}

export function build(a: BuildArgs, log: (s: string) => void = console.log): string[] {
  mkdirSync(a.outdir, { recursive: true });
  if (a.targets) {
    // Only the named release executables: nothing else in outdir changes.
    const made = buildRelease(a.outdir, a.cache, a.targets, log);
    log(sizeTable(a.outdir, made));
    return made;
  }
  const host = join(a.outdir, "tsbox");
  const docs = [buildManPage(join(a.outdir, "tsbox.1")), ...writeCompletions(join(a.outdir, "completions")), ...bundle(a.outdir)];
  if (!a.binary) {
    log(sizeTable(a.outdir, docs));
    return docs;
  }
  compile(host);
  const release = a.release ? buildRelease(a.outdir, a.cache, undefined, log) : [];
  // What a release ships: the release executables and the docs; otherwise what was built.
  const sums = writeChecksums(a.outdir, a.release ? [...release, ...docs] : [host, ...docs]);
  const made = [host, ...release, ...docs, sums];
  log(sizeTable(a.outdir, made));
  return made;
}

if (import.meta.main) {
  try {
    build(parseBuildArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

// Shared helpers for the integration tests: they run the compiled binary as
// a user would, as root and as uid 65534 (nobody), and inspect what the
// command saw and what the host looks like afterwards.

import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const BUILT = join(ROOT, "dist", "tsbox");

export const NOBODY = 65534;

/**
 * Where the tests put their files: scripts/test.ts makes one directory per
 * run (TSBOX_TEST_TMP) and removes it afterwards; a plain `bun test` gets a
 * fresh one that is left behind (bun test does not run "exit" handlers).
 */
let workDir: string | undefined;
function testTmp(): string {
  if (workDir) return workDir;
  workDir = process.env.TSBOX_TEST_TMP ?? mkdtempSync("/tmp/tsbox-tests-");
  chmodSync(workDir, 0o755);
  return workDir;
}

/**
 * A world-readable copy of the binary: a checkout under a 0700 home
 * directory is unreachable for uid 65534.
 */
let shared: string | undefined;
export function binary(): string {
  if (shared) return shared;
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" first`);
  const dir = mkdtempSync(join(testTmp(), "bin-"));
  chmodSync(dir, 0o755);
  const bin = join(dir, "tsbox");
  copyFileSync(BUILT, bin);
  chmodSync(bin, 0o755);
  return (shared = bin);
}

/** A scratch directory that uid 65534 may use (0777). */
export function scratch(prefix = "tsbox-scratch-"): string {
  const dir = mkdtempSync(join(testTmp(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}

export type Mode = "root" | "user";
export const MODES: readonly Mode[] = ["root", "user"];

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  /** Extra fds for the child: index 3 up. */
  stdio?: ("pipe" | "inherit" | "ignore" | number)[];
}

/** Run `tsbox ARGS...` as root or as nobody (setpriv), through the compiled binary. */
export function tsbox(mode: Mode, args: readonly string[], opts: RunOptions = {}): Run {
  const bin = binary();
  const [cmd, argv] = mode === "root"
    ? [bin, [...args]]
    : ["setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", bin, ...args]];
  const r: SpawnSyncReturns<string> = spawnSync(cmd, argv, {
    cwd: opts.cwd ?? "/",
    env: opts.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" },
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 30_000,
    stdio: opts.stdio ? ["pipe", "pipe", "pipe", ...opts.stdio.slice(3)] as never : "pipe",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run a shell script in the sandbox; `args` are the tsbox options. */
export function sh(mode: Mode, args: readonly string[], script: string, opts: RunOptions = {}): Run {
  return tsbox(mode, [...args, "--", "/bin/sh", "-c", script], opts);
}

/** The host's mount table, for before/after comparisons (mount IDs included). */
export function hostMounts(): string {
  return readFileSync("/proc/self/mountinfo", "utf8");
}

/** One parsed /proc/self/mountinfo line. */
export interface MountEntry {
  id: number;
  parent: number;
  root: string;
  mountPoint: string;
  options: string[];
  optional: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  return text.trim().split("\n").filter(Boolean).map((line) => {
    const [left, right] = line.split(" - ") as [string, string];
    const f = left.split(" ");
    const r = right.split(" ");
    return {
      id: Number(f[0]), parent: Number(f[1]), root: unescape(f[3]!), mountPoint: unescape(f[4]!),
      options: f[5]!.split(","), optional: f.slice(6), fstype: r[0]!, source: unescape(r[1]!),
      superOptions: (r[2] ?? "").split(","),
    };
  });
}

/** The value of a "Name:\tvalue" line of /proc/<pid>/status text. */
export function statusField(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim();
}

/** Paths, types, modes, owners, times and contents of a host tree, for before/after comparisons. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    const kind = st.isSymbolicLink() ? `link->${readlinkSync(p)}` : st.isDirectory() ? "dir" : st.isFile() ? `file:${readFileSync(p, "latin1")}` : "other";
    out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} mtime=${st.mtimeMs} ctime=${st.ctimeMs} ${kind}`);
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
  };
  walk(dir);
  return out;
}

/** Run `argv` without blocking (for concurrent loops); SIGKILL after `timeoutMs`. */
export function runAsync(argv: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: "/", env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => { stdout += b.toString(); });
    child.stderr!.on("data", (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

// Reliability under load, the short version (scripts/stress.ts is the long
// one): unprivileged runs back to back while busy loops keep every core
// busy, then several loops of runs at once. Every run must succeed: the
// user-namespace step is where a multi-threaded runtime fails now and then
// (unshare(CLONE_NEWUSER) is EINVAL with a second thread), and concurrent
// sandboxes make mount activity that races path resolution with ".."
// (openat2 RESOLVE_IN_ROOT may answer EAGAIN then, and must be retried).
//
// Each run resolves a destination through a symlink with ".." that is bound
// into the sandbox, writes a file there and reads it back, and prints its
// uid map; the expected output is exact.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { binary, hostMounts, NOBODY, runAsync, type Mode } from "./helpers.ts";

const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };
const SEQUENTIAL = 200;
const LOOPS = 4;
const PER_LOOP = 25;

// ---- load: one busy loop per core, always killed ---------------------------

const loaders: ChildProcess[] = [];
function cores(): number {
  const r = spawnSync("nproc", { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : Math.max(cpus().length, 1);
}
function stopLoad(): void {
  for (const c of loaders.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
// afterAll kills them; and should this process die first (bun test runs no
// "exit" handlers), each loop ends by itself once its parent is gone.
const BUSY = `while kill -0 ${process.pid} 2>/dev/null; do :; done`;

// ---- one run --------------------------------------------------------------

const canary = `tsbox-stress-canary-${process.pid}`;
let args: string[] = [];
let mountsBefore = "";
let dir = "";

beforeAll(() => {
  dir = mkdtempSync("/tmp/tsbox-stress-");
  chmodSync(dir, 0o755);
  // In the sandbox /tmp/w/rel is /tmp/CANARY (a directory tsbox makes in its tmpfs).
  symlinkSync(`../${canary}`, join(dir, "rel"));
  args = [
    "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dir", `/tmp/${canary}`, "--ro-bind", dir, "/tmp/w",
    "--write", "hi\n", "/tmp/w/rel/f", "--", "/bin/cat", `/tmp/${canary}/f`, "/proc/self/uid_map",
  ];
  binary();
  mountsBefore = hostMounts();
  for (let i = 0; i < cores(); i++) loaders.push(spawn("sh", ["-c", BUSY], { stdio: "ignore" }));
});

afterAll(() => {
  stopLoad();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Failure {
  readonly run: string;
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

function expected(mode: Mode): RegExp {
  return mode === "user"
    ? new RegExp(`^hi\\n\\s+${NOBODY}\\s+${NOBODY}\\s+1\\n$`)
    : /^hi\n\s+0\s+0\s+4294967295\n$/;
}

function runOnce(mode: Mode, label: string): Promise<Failure | undefined> {
  const argv = mode === "user"
    ? ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", binary(), ...args]
    : [binary(), ...args];
  return runAsync(argv, ENV, 30_000).then(({ status, signal, stdout, stderr }) =>
    status === 0 && signal === null && stderr === "" && expected(mode).test(stdout) ? undefined : { run: label, status, signal, stdout, stderr });
}

function summary(failures: readonly Failure[], total: number): { failures: number; total: number; first?: Failure } {
  return failures.length === 0 ? { failures: 0, total } : { failures: failures.length, total, first: failures[0] };
}

test(`${SEQUENTIAL} unprivileged runs in a row with every core busy`, async () => {
  const failures: Failure[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const f = await runOnce("user", `run ${i}`);
    if (f) failures.push(f);
  }
  expect(summary(failures, SEQUENTIAL)).toEqual({ failures: 0, total: SEQUENTIAL });
}, 240_000);

test(`${LOOPS} concurrent loops x ${PER_LOOP} unprivileged runs with every core busy`, async () => {
  const failures: Failure[] = [];
  await Promise.all(Array.from({ length: LOOPS }, async (_, loop) => {
    for (let i = 0; i < PER_LOOP; i++) {
      const f = await runOnce("user", `loop ${loop} run ${i}`);
      if (f) failures.push(f);
    }
  }));
  expect(summary(failures, LOOPS * PER_LOOP)).toEqual({ failures: 0, total: LOOPS * PER_LOOP });
}, 240_000);

test("'..' in a symlink resolves reliably while another process mounts and unmounts in a loop", async () => {
  // openat2(RESOLVE_IN_ROOT) fails with EAGAIN when a mount or rename
  // anywhere on the system races a ".." step; the kernel leaves the retry
  // to the caller. 50 destinations through the ".." link per run, 100 runs
  // per mode, with a private mount namespace churning next to them.
  const mnt = mkdtempSync("/tmp/tsbox-stress-churn-");
  const churnScript = `while kill -0 ${process.pid} 2>/dev/null; do mount -t tmpfs tsbox-churn "${mnt}" && umount "${mnt}"; done`;
  const churn = spawn("unshare", ["-m", "sh", "-c", churnScript], { stdio: "ignore" });
  const dirs = Array.from({ length: 50 }, (_, i) => `x${i}`);
  const churnArgs = [
    "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dir", `/tmp/${canary}`, "--ro-bind", dir, "/tmp/w",
    ...dirs.flatMap((d) => ["--dir", `/tmp/w/rel/${d}`]), "--", "/bin/ls", `/tmp/${canary}`,
  ];
  const want = `${[...dirs].sort().join("\n")}\n`;
  const failures: Failure[] = [];
  try {
    for (const mode of ["root", "user"] as const) {
      for (let i = 0; i < 100; i++) {
        const argv = mode === "user"
          ? ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", binary(), ...churnArgs]
          : [binary(), ...churnArgs];
        const r = spawnSync(argv[0]!, argv.slice(1), { cwd: "/", env: ENV, encoding: "utf8", timeout: 30_000 });
        if (r.status !== 0 || r.signal !== null || r.stderr !== "" || r.stdout !== want) {
          failures.push({ run: `${mode} run ${i}`, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });
        }
      }
    }
  } finally {
    churn.kill("SIGKILL");
    await new Promise((res) => (churn.exitCode !== null || churn.signalCode !== null ? res(undefined) : churn.on("close", res)));
    rmSync(mnt, { recursive: true, force: true });
  }
  expect(summary(failures, 200)).toEqual({ failures: 0, total: 200 });
}, 240_000);

test("the host is as it was: mount table, no canary directory", () => {
  stopLoad();
  expect(hostMounts()).toBe(mountsBefore);
  expect(existsSync(`/tmp/${canary}`)).toBe(false);
});

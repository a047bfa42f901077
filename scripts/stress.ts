// The long reliability run (test/stress.test.ts is the short one in the suite).
//
//   bun scripts/stress.ts [--runs 2000] [--loops 8] [--loop-runs 100] [--mode user|root] [--binary PATH]
//
// Phase 1: RUNS tsbox runs back to back while one busy loop per core
// (`nproc` of them) keeps every core busy. Phase 2: LOOPS concurrent loops
// of LOOP-RUNS runs each, the busy loops still running. Zero failures are
// allowed. The busy loops are killed at the end whatever happens (failure,
// exception, Ctrl-C; and each loop also ends by itself once this process is
// gone, even after a SIGKILL). Then the host mount table must be as it was.
//
// Each run resolves a destination through a symlink with ".." bound into
// the sandbox, writes a file through it, reads it back and prints its uid
// map; the expected output is exact. Exit status: 0 when every run passed
// and the host is unchanged, 1 otherwise, 2 for a bad command line.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { runAsync } from "../test/helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const NOBODY = 65534;
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };

// ---- command line -----------------------------------------------------------

interface Options { runs: number; loops: number; loopRuns: number; mode: "user" | "root"; binary: string }

function usage(message: string): never {
  process.stderr.write(`stress: ${message}\nusage: bun scripts/stress.ts [--runs N] [--loops N] [--loop-runs N] [--mode user|root] [--binary PATH]\n`);
  process.exit(2);
}

function parse(argv: readonly string[]): Options {
  const o: Options = { runs: 2000, loops: 8, loopRuns: 100, mode: "user", binary: join(ROOT, "dist", "tsbox") };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) usage(`${flag}: not a count: ${value}`);
      i++;
      return n;
    };
    switch (flag) {
      case "--runs": o.runs = count(); break;
      case "--loops": o.loops = count(); break;
      case "--loop-runs": o.loopRuns = count(); break;
      case "--mode":
        if (value !== "user" && value !== "root") usage(`--mode: user or root, not ${value}`);
        o.mode = value; i++;
        break;
      case "--binary":
        if (value === undefined) usage("--binary: needs a path");
        o.binary = value; i++;
        break;
      case "-h": case "--help": usage("help");
      default: usage(`unknown option ${flag}`);
    }
  }
  return o;
}

const opts = parse(process.argv.slice(2));
if (!existsSync(opts.binary)) usage(`${opts.binary} is missing: run "bun scripts/build.ts" first, or pass --binary`);

// ---- cleanup: busy loops and scratch files, on every way out ----------------

const loaders: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
function stopLoad(): void {
  for (const c of loaders.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
function cleanUp(): void {
  stopLoad();
  for (const f of cleanups.splice(0)) f();
}
process.on("exit", cleanUp);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    cleanUp();
    process.stderr.write(`stress: interrupted by ${sig}\n`);
    process.exit(sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 129);
  });
}

// ---- fixtures -----------------------------------------------------------------

// A world-readable copy of the binary (a checkout under a 0700 home is unreachable for nobody).
const dir = mkdtempSync("/tmp/tsbox-stress-");
cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
chmodSync(dir, 0o755);
const bin = join(dir, "tsbox");
copyFileSync(opts.binary, bin);
chmodSync(bin, 0o755);
const tree = join(dir, "tree");
spawnSync("mkdir", ["-m", "0755", tree]);
const canary = `tsbox-stress-canary-${process.pid}`;
symlinkSync(`../${canary}`, join(tree, "rel")); // in the sandbox: /tmp/w/rel -> /tmp/CANARY
const args = [
  "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dir", `/tmp/${canary}`, "--ro-bind", tree, "/tmp/w",
  "--write", "hi\n", "/tmp/w/rel/f", "--", "/bin/cat", `/tmp/${canary}/f`, "/proc/self/uid_map",
];
const argv = opts.mode === "user"
  ? ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", bin, ...args]
  : [bin, ...args];
const expected = opts.mode === "user"
  ? new RegExp(`^hi\\n\\s+${NOBODY}\\s+${NOBODY}\\s+1\\n$`)
  : /^hi\n\s+0\s+0\s+4294967295\n$/;

// ---- runs ---------------------------------------------------------------------

interface Failure { run: string; status: number | null; signal: string | null; stdout: string; stderr: string }
const failures: Failure[] = [];
let done = 0;

async function runOnce(label: string): Promise<void> {
  const { status, signal, stdout, stderr } = await runAsync(argv, ENV, 60_000);
  done++;
  if (!(status === 0 && signal === null && stderr === "" && expected.test(stdout))) {
    failures.push({ run: label, status, signal, stdout, stderr });
    if (failures.length <= 5) process.stderr.write(`stress: ${label} failed: status=${status} signal=${signal} stderr=${JSON.stringify(stderr)}\n`);
  }
}

function cores(): number {
  const r = spawnSync("nproc", { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : Math.max(cpus().length, 1);
}

const mountsBefore = readFileSync("/proc/self/mountinfo", "utf8");
const started = performance.now();
let phase1Ms = 0;
let phase2Ms = 0;
const n = cores();
try {
  for (let i = 0; i < n; i++) loaders.push(spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do :; done`], { stdio: "ignore" }));
  console.log(`stress: ${opts.mode} mode, ${n} busy loops, binary ${opts.binary}`);

  console.log(`stress: phase 1: ${opts.runs} runs in a row`);
  const t1 = performance.now();
  for (let i = 0; i < opts.runs; i++) {
    await runOnce(`sequential run ${i}`);
    if ((i + 1) % 250 === 0) console.log(`stress:   ${i + 1}/${opts.runs} (${failures.length} failed)`);
  }
  phase1Ms = performance.now() - t1;

  console.log(`stress: phase 2: ${opts.loops} concurrent loops x ${opts.loopRuns} runs`);
  const t2 = performance.now();
  await Promise.all(Array.from({ length: opts.loops }, async (_, loop) => {
    for (let i = 0; i < opts.loopRuns; i++) await runOnce(`loop ${loop} run ${i}`);
  }));
  phase2Ms = performance.now() - t2;
} finally {
  stopLoad();
}

const mountsChanged = readFileSync("/proc/self/mountinfo", "utf8") !== mountsBefore;
const canaryOnHost = existsSync(`/tmp/${canary}`);
const total = opts.runs + opts.loops * opts.loopRuns;
const wall = (performance.now() - started) / 1000;

console.log("stress: summary");
console.log(`  runs:              ${done} of ${total} (${opts.runs} in a row, ${opts.loops} x ${opts.loopRuns} concurrent)`);
console.log(`  failures:          ${failures.length}`);
if (failures[0]) {
  const f = failures[0];
  console.log(`  first failure:     ${f.run}: status=${f.status} signal=${f.signal}`);
  console.log(`  its stderr:        ${JSON.stringify(f.stderr)}`);
  console.log(`  its stdout:        ${JSON.stringify(f.stdout)}`);
}
console.log(`  wall time:         ${wall.toFixed(1)} s (phase 1 ${(phase1Ms / 1000).toFixed(1)} s, ${(phase1Ms / Math.max(opts.runs, 1)).toFixed(1)} ms/run; phase 2 ${(phase2Ms / 1000).toFixed(1)} s)`);
console.log(`  host mount table:  ${mountsChanged ? "CHANGED" : "unchanged"}`);
console.log(`  canary on host:    ${canaryOnHost ? `PRESENT (/tmp/${canary})` : "absent"}`);
const ok = failures.length === 0 && done === total && !mountsChanged && !canaryOnHost;
console.log(ok ? "stress: PASS" : "stress: FAIL");
process.exit(ok ? 0 : 1);

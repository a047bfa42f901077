// Start-up benchmark: tsbox against bubblewrap, with plain unshare(1) as the
// floor, each running `true` in three sandboxes, as root and as uid 65534.
//
//   bun scripts/bench.ts [--rounds N] [--quick] [--no-readme]
//
//   (a) --ro-bind / /
//   (b) a typical build step: /usr and /etc read-only, the /bin /lib /lib64
//       /sbin symlinks, --dev /dev, --proc /proc, --tmpfs /tmp and 40
//       read-only binds of scratch directories
//   (c) /usr read-only, the symlinks, and 500 binds of scratch directories
//
// The three tools run in interleaved rounds (tsbox, bwrap, unshare, tsbox,
// bwrap, unshare, ...) so that a slow moment of the machine hits all of them.
// Each run is timed from just before Bun.spawnSync to just after it returns
// (fork, exec, sandbox set-up, `true`, exit, reap), with process.hrtime.
// The unshare floor does none of the filesystem work; it shows what any
// process that makes a mount namespace (and, unprivileged, a user
// namespace) and execs `true` costs here.
//
// Unprivileged runs go through `setpriv --reuid 65534 --regid 65534
// --clear-groups`, which execs the tool in place: setpriv's own start-up is
// in every unprivileged number, for all three tools alike.
//
// The table goes to stdout and, unless --no-readme, into README.md between
// <!-- bench:start --> and <!-- bench:end --> (the markers are appended when
// README.md has none; a missing README.md is not created).

import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const BUILT = join(ROOT, "dist", "tsbox");
const README = join(ROOT, "README.md");
const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const NOBODY = "65534";
const SETPRIV = ["setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"];
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/", LANG: "C" };

// ---- options -----------------------------------------------------------------

interface Options { rounds?: number; quick: boolean; readme: boolean }

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { quick: false, readme: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") o.quick = true;
    else if (a === "--no-readme") o.readme = false;
    else if (a === "--rounds") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) die("--rounds needs a positive integer");
      o.rounds = n;
    } else if (a === "--help" || a === "-h") {
      console.log("usage: bun scripts/bench.ts [--rounds N] [--quick] [--no-readme]\n" +
        "  --rounds N   rounds per scenario and mode (default: 50 for (a) and (b), 15 for (c))\n" +
        "  --quick      a smoke run: 3 rounds, 1 warm-up, 1 RSS sample\n" +
        "  --no-readme  print the table only; leave README.md alone");
      process.exit(0);
    } else die(`unknown argument ${a} (see --help)`);
  }
  return o;
}

function die(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

function note(msg: string): void {
  console.error(`bench: ${msg}`);
}

// ---- the tools -----------------------------------------------------------------

function which(name: string): string | undefined {
  for (const dir of ENV.PATH.split(":")) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

const isRoot = process.getuid?.() === 0;

/** Install a Debian package when `binary` is missing (as root), or say how. */
function ensure(binary: string, pkg: string, required: boolean): string | undefined {
  const found = which(binary);
  if (found) return found;
  if (!isRoot) {
    const msg = `${binary} is missing: install Debian's ${pkg} package (sudo apt-get install -y ${pkg})`;
    if (required) die(msg);
    note(msg);
    return undefined;
  }
  note(`${binary} is missing: apt-get install -y ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", pkg], { stdio: ["ignore", 2, 2], env });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: ["ignore", 2, 2], env });
    r = spawnSync("apt-get", ["install", "-y", pkg], { stdio: ["ignore", 2, 2], env });
  }
  const after = which(binary);
  if (!after) {
    if (required) die(`could not install ${pkg} (apt-get exited ${r.status})`);
    note(`could not install ${pkg}; going on without ${binary}`);
  }
  return after;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: ENV });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n")[0] ?? "";
}

// ---- scenarios --------------------------------------------------------------------

type Tool = "tsbox" | "bwrap" | "unshare";
type Mode = "root" | "user";
const TOOLS: readonly Tool[] = ["tsbox", "bwrap", "unshare"];

interface Scenario {
  readonly id: "a" | "b" | "c";
  readonly title: string;
  /** Sandbox options common to tsbox and bubblewrap. */
  readonly args: readonly string[];
  readonly defaultRounds: number;
  /** Target for the median tsbox/bwrap ratio, per mode; none for (a). */
  readonly target?: Readonly<Record<Mode, number>>;
}

const SYMLINKS = ["--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin"];

function makeScenarios(scratchDir: string): Scenario[] {
  const dirs = (sub: string, prefix: string, n: number, width: number) => {
    const out: [string, string][] = [];
    mkdirSync(join(scratchDir, sub), { mode: 0o755 });
    chmodSync(join(scratchDir, sub), 0o755);
    for (let i = 0; i < n; i++) {
      const name = `${prefix}${String(i).padStart(width, "0")}`;
      const src = join(scratchDir, sub, name);
      mkdirSync(src, { mode: 0o755 });
      chmodSync(src, 0o755);
      out.push([src, `/srv/${name}`]);
    }
    return out;
  };
  const b = dirs("b", "b", 40, 2).flatMap(([s, d]) => ["--ro-bind", s, d]);
  const c = dirs("c", "c", 500, 3).flatMap(([s, d]) => ["--bind", s, d]);
  return [
    { id: "a", title: "(a) `--ro-bind / /`", args: ["--ro-bind", "/", "/"], defaultRounds: 50 },
    {
      id: "b", title: "(b) build step",
      args: ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", ...SYMLINKS, "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", ...b],
      defaultRounds: 50, target: { root: 1.3, user: 2.0 },
    },
    {
      id: "c", title: "(c) 500 binds",
      args: ["--ro-bind", "/usr", "/usr", ...SYMLINKS, ...c],
      defaultRounds: 15, target: { root: 1.0, user: 1.0 },
    },
  ];
}

interface Paths { tsbox: string; bwrap: string; unshare: string; true: string }

function command(p: Paths, tool: Tool, mode: Mode, s: Scenario, extra: readonly string[] = []): string[] {
  // Without root there is no setpriv step: "user" is simply the caller.
  const prefix = mode === "user" && isRoot ? SETPRIV : [];
  switch (tool) {
    case "tsbox": return [...prefix, p.tsbox, ...extra, ...s.args, p.true];
    // bubblewrap as root needs no user namespace; unprivileged it does.
    case "bwrap": return [...prefix, p.bwrap, ...(mode === "user" ? ["--unshare-user"] : []), ...s.args, p.true];
    case "unshare": return [...prefix, p.unshare, ...(mode === "user" ? ["-r"] : []), "-m", p.true];
  }
}

// ---- measuring -------------------------------------------------------------------

function timeOnce(cmd: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = Bun.spawnSync({ cmd: [...cmd], stdin: "ignore", stdout: "ignore", stderr: "pipe", env: ENV, cwd: "/" });
  const t1 = process.hrtime.bigint();
  if (r.exitCode !== 0) {
    const err = r.stderr.toString().trim().split("\n").slice(-3).join(" | ");
    die(`a run failed (exit ${r.exitCode ?? r.signalCode}): ${shown(cmd)}\n  stderr: ${err || "(empty)"}`);
  }
  return Number(t1 - t0) / 1e6;
}

/** The command line, shortened: 500 binds do not fit on a screen. */
function shown(cmd: readonly string[]): string {
  const s = cmd.join(" ");
  return s.length > 300 ? `${s.slice(0, 300)} ... (${cmd.length} words)` : s;
}

/**
 * Peak RSS in KiB from /usr/bin/time -f %M: the kernel's ru_maxrss of the
 * child, which spans execve (the same process runs setpriv, tsbox, tsbox
 * again after its re-exec, then `true`). Bun.spawnSync's resourceUsage.maxRSS
 * is not used: Bun starts children with vfork-like spawning, so the child's
 * high-water mark includes the benchmark runner's own ~25 MB.
 */
function peakRss(time: string, cmd: readonly string[]): number {
  const r = spawnSync(time, ["-f", "TSBOX_BENCH_RSS %M", ...cmd], { encoding: "utf8", env: ENV, cwd: "/", stdio: ["ignore", "ignore", "pipe"] });
  const m = /TSBOX_BENCH_RSS (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m) die(`a run under ${time} failed (exit ${r.status}): ${shown(cmd)}\n  stderr: ${(r.stderr ?? "").trim()}`);
  return Number(m[1]);
}

/**
 * tsbox's memory right before it execs: run it with --suspend (it stops
 * itself with SIGSTOP as the last step before execve), read VmHWM and VmRSS
 * from /proc/PID/status, then let it go on. Unprivileged, this is the image
 * after the re-exec (the first image's peak is in peakRss only).
 */
async function rssAtExec(cmd: readonly string[]): Promise<{ hwm: number; rss: number } | undefined> {
  const proc = Bun.spawn({ cmd: [...cmd], stdin: "ignore", stdout: "ignore", stderr: "pipe", env: ENV, cwd: "/" });
  let got: { hwm: number; rss: number } | undefined;
  const deadline = Date.now() + 10_000;
  try {
    while (Date.now() < deadline) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${proc.pid}/stat`, "latin1");
      } catch {
        break; // gone
      }
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "T") {
        const status = readFileSync(`/proc/${proc.pid}/status`, "latin1");
        const kb = (k: string) => Number(new RegExp(`\\n${k}:\\s*(\\d+) kB`).exec(status)?.[1] ?? NaN);
        got = { hwm: kb("VmHWM"), rss: kb("VmRSS") };
        break;
      }
      if (state === "Z") break;
      Bun.sleepSync(0.2);
    }
  } finally {
    proc.kill("SIGCONT");
  }
  const code = await proc.exited;
  if (code !== 0) die(`a --suspend run failed (exit ${code}): ${shown(cmd)}\n  stderr: ${(await new Response(proc.stderr).text()).trim()}`);
  return got;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

interface Row {
  scenario: Scenario;
  mode: Mode;
  rounds: number;
  ms: Record<Tool, number>;
  ratio: { median: number; min: number; max: number };
  rss?: { tsbox: number; bwrap: number };
  atExec?: { hwm: number; rss: number };
}

// ---- the report ------------------------------------------------------------------

const mb = (kib: number) => (kib / 1024).toFixed(1);

function table(rows: readonly Row[], info: readonly [string, string][]): string {
  const out: string[] = [];
  out.push(`Start-up of \`true\` in a sandbox (\`npm run bench\`, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC).`);
  out.push("");
  out.push(info.map(([k, v]) => `${k}: ${v}`).join("; ") + ".");
  out.push("");
  out.push("| scenario | mode | rounds | tsbox ms | bwrap ms | unshare ms (floor) | tsbox/bwrap median (min–max) | target | met | tsbox peak RSS MB | at exec: VmHWM / VmRSS MB | bwrap peak RSS MB |");
  out.push("|---|---|--:|--:|--:|--:|--:|--:|:-:|--:|--:|--:|");
  for (const r of rows) {
    const t = r.scenario.target?.[r.mode];
    const met = t === undefined ? "—" : r.ratio.median <= t ? "yes" : "**no**";
    out.push([
      "", r.scenario.title, r.mode === "user" ? (isRoot ? "uid 65534" : "caller") : "root", String(r.rounds),
      r.ms.tsbox.toFixed(2), r.ms.bwrap.toFixed(2), r.ms.unshare.toFixed(2),
      `${r.ratio.median.toFixed(2)} (${r.ratio.min.toFixed(2)}–${r.ratio.max.toFixed(2)})`,
      t === undefined ? "—" : `≤ ${t.toFixed(1)}`, met,
      r.rss ? mb(r.rss.tsbox) : "n/a",
      r.atExec ? `${mb(r.atExec.hwm)} / ${mb(r.atExec.rss)}` : "n/a",
      r.rss ? mb(r.rss.bwrap) : "n/a", "",
    ].join(" | ").trim());
  }
  out.push("");
  out.push("Scenarios: (a) `--ro-bind / /`; (b) `--ro-bind /usr /usr --ro-bind /etc /etc`, `--symlink usr/bin /bin` (and lib, lib64, sbin), " +
    "`--dev /dev --proc /proc --tmpfs /tmp` and 40 `--ro-bind` of scratch directories to /srv/bNN; " +
    "(c) `--ro-bind /usr /usr`, the same symlinks and 500 `--bind` of scratch directories to /srv/cNNN. Each runs `true`. " +
    "Targets (tsbox/bwrap median ratio): (b) ≤ 1.3 as root, ≤ 2.0 unprivileged; (c) ≤ 1.0.");
  out.push("");
  out.push("ms: median wall time per run, spawn to reap, interleaved rounds. The ratio is the median (min–max) of the per-round ratios. " +
    "uid 65534 runs go through `setpriv --reuid 65534 --regid 65534 --clear-groups`, whose own start-up is included for all three tools. " +
    "unshare (`unshare -m true`, unprivileged `unshare -r -m true`) makes the namespaces but no mounts: the floor. " +
    "bubblewrap forks a child for the command; tsbox execs in place. " +
    "Peak RSS: ru_maxrss from `/usr/bin/time -f %M` (median of samples); tsbox execs `true` in place, so it covers tsbox and `true` " +
    "(and, unprivileged, setpriv and the re-exec), and is tsbox's own peak before exec (`true` is ~1–2 MB). " +
    "At exec: VmHWM and VmRSS of the tsbox process stopped by `--suspend` right before execve (unprivileged: the image after the re-exec).");
  return out.join("\n");
}

function writeReadme(text: string): void {
  if (!existsSync(README)) {
    note("README.md does not exist: the table is printed only");
    return;
  }
  const old = readFileSync(README, "utf8");
  const block = `${START}\n${text}\n${END}`;
  const s = old.indexOf(START);
  const e = old.indexOf(END);
  let next: string;
  if (s >= 0 && e > s) next = old.slice(0, s) + block + old.slice(e + END.length);
  else next = `${old}${old.endsWith("\n") || old === "" ? "" : "\n"}\n${block}\n`;
  writeFileSync(README, next);
  note("README.md: bench region updated");
}

// ---- main ------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (process.platform !== "linux") die("Linux only");
  if (!existsSync(BUILT)) die(`${BUILT} is missing: run "npm run build" first`);
  const bwrap = ensure("bwrap", "bubblewrap", true)!;
  const time = existsSync("/usr/bin/time") ? "/usr/bin/time" : ensure("time", "time", false);
  const unshare = which("unshare") ?? die("unshare(1) is missing (util-linux)");
  if (isRoot && !which("setpriv")) die("setpriv(1) is missing (util-linux)");
  const truePath = ["/usr/bin/true", "/bin/true"].find((p) => existsSync(p)) ?? die("no /usr/bin/true or /bin/true");
  if (!isRoot) note("not root: only the unprivileged mode runs, as the caller (no setpriv)");

  // uid 65534 must reach the binary and the bind sources: a world-readable
  // directory under /tmp (a checkout under a 0700 home is not).
  const dir = mkdtempSync("/tmp/tsbox-bench-");
  chmodSync(dir, 0o755);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const tsbox = join(dir, "tsbox");
  copyFileSync(BUILT, tsbox);
  chmodSync(tsbox, 0o755);
  const paths: Paths = { tsbox, bwrap, unshare, true: truePath };
  const scenarios = makeScenarios(dir);
  const modes: Mode[] = isRoot ? ["root", "user"] : ["user"];

  const warmups = opts.quick ? 1 : 3;
  const rssSamples = opts.quick ? 1 : 3;
  const rows: Row[] = [];
  const t0 = Date.now();
  for (const s of scenarios) {
    for (const mode of modes) {
      const rounds = opts.rounds ?? (opts.quick ? 3 : s.defaultRounds);
      const cmds = Object.fromEntries(TOOLS.map((t) => [t, command(paths, t, mode, s)])) as Record<Tool, string[]>;
      for (let i = 0; i < warmups; i++) for (const t of TOOLS) timeOnce(cmds[t]);
      const samples: Record<Tool, number[]> = { tsbox: [], bwrap: [], unshare: [] };
      const ratios: number[] = [];
      for (let i = 0; i < rounds; i++) {
        for (const t of TOOLS) samples[t].push(timeOnce(cmds[t]));
        ratios.push(samples.tsbox[i]! / samples.bwrap[i]!);
      }
      const row: Row = {
        scenario: s, mode, rounds,
        ms: { tsbox: median(samples.tsbox), bwrap: median(samples.bwrap), unshare: median(samples.unshare) },
        ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
      };
      if (time) {
        const ts: number[] = [], bw: number[] = [];
        for (let i = 0; i < rssSamples; i++) {
          ts.push(peakRss(time, cmds.tsbox));
          bw.push(peakRss(time, cmds.bwrap));
        }
        row.rss = { tsbox: median(ts), bwrap: median(bw) };
      }
      row.atExec = await rssAtExec(command(paths, "tsbox", mode, s, ["--suspend"]));
      rows.push(row);
      note(`${s.id} ${mode}: tsbox ${row.ms.tsbox.toFixed(2)} ms, bwrap ${row.ms.bwrap.toFixed(2)} ms, unshare ${row.ms.unshare.toFixed(2)} ms, ` +
        `ratio ${row.ratio.median.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);
    }
  }

  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "latin1"))?.[1]?.trim() ?? "unknown";
  const info: [string, string][] = [
    ["kernel", readFileSync("/proc/sys/kernel/osrelease", "latin1").trim()],
    ["CPU", cpu],
    ["nproc", String(availableParallelism())],
    ["Bun", Bun.version],
    ["tsbox", firstLine(tsbox, ["--version"]).replace(/^tsbox /, "")],
    ["bwrap", firstLine(bwrap, ["--version"]).replace(/^bubblewrap /, "")],
    ["host mounts", String(readFileSync("/proc/self/mountinfo", "latin1").trim().split("\n").length)],
  ];
  const text = table(rows, info);
  console.log(text);
  if (opts.readme) writeReadme(text);
  else note("--no-readme: README.md left alone");
}

await main();

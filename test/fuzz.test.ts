// Property/fuzz test of bad input: mutated command lines, fed to the parser
// in-process and to the compiled binary as root and as nobody.
//
// Deterministic: a seeded PRNG drives everything. The seed is printed; set
// TSBOX_FUZZ_SEED=N to use another one (or to replay a failure).
//
// Properties:
//   parser   every outcome is a ParseResult or a UsageError, never another
//            exception; parsing is a pure function of argv and cwd; every
//            path in the spec is absolute and normalised; the command is the
//            tail of argv.
//   binary   the outcome is what the in-process parse predicts: a usage error
//            is exit 125 with exactly the line "tsbox: MESSAGE"; a run is
//            exit 0 (stderr empty), or exit 125 with one "tsbox: " line, or
//            127 with exactly "tsbox: CMD: command not found" (a mutation may
//            cover the sandbox's /usr); never a stack trace, a crash by
//            signal, "internal error", or another status.
//   host     afterwards the host mount table and a watched scratch tree
//            (paths, modes, owners, times, contents, link targets) are
//            unchanged. Mutations pass paths inside the tree (files,
//            directories, symlinks out of it, a symlink loop) as sources,
//            and bind it read-only at /tmp/w so that destinations go through
//            it too; a host source is only ever bound read-only (rw binds
//            get "+" sources), and destinations are in the sandbox.
//
// Mutations: options dropped, duplicated, truncated (missing values); values
// replaced by "", "/", "..", "a\nb", paths of 4096+ characters and of 300
// components, paths through symlinks, "+" sources that climb with "..";
// 10,000-option lists; random tokens, and raw bytes (invalid UTF-8, passed
// through `sh -c 'printf %b'` since spawn only takes strings).

import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import { OPTIONS, lookupOption } from "../src/cli/options.ts";
import { parseArgs } from "../src/cli/parse.ts";
import { oneLine, UsageError } from "../src/errors.ts";
import type { ParseResult } from "../src/spec.ts";
import { binary, hostMounts, listing, NOBODY, type Mode } from "./helpers.ts";

const DEFAULT_SEED = 0x6f0dd5;
const SEED = process.env.TSBOX_FUZZ_SEED !== undefined ? Number(process.env.TSBOX_FUZZ_SEED) >>> 0 : DEFAULT_SEED;
console.log(`fuzz seed: ${SEED} (replay or vary with TSBOX_FUZZ_SEED=${SEED})`);

const VERBOSE = process.env.TSBOX_FUZZ_VERBOSE === "1"; // print every binary outcome
const PARSER_CASES = 20_000;
const BINARY_CASES = 150; // each run in both modes
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };

// ---- PRNG (mulberry32) ------------------------------------------------------

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let r = this.next() * items.reduce((a, [w]) => a + w, 0);
    for (const [w, v] of items) if ((r -= w) < 0) return v;
    return items[items.length - 1]![1];
  }
}

// ---- the watched host tree ----------------------------------------------------

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const W = mkdtempSync("/tmp/tsbox-fuzz-w-");
const OUTBASE = mkdtempSync("/tmp/tsbox-fuzz-out-");
made.push(W, OUTBASE);
chmodSync(W, 0o755);
chmodSync(OUTBASE, 0o755);
const OUTSIDE = join(OUTBASE, "outside"); // never created: where link-out points
writeFileSync(join(W, "a"), "alpha\n", { mode: 0o644 });
mkdirSync(join(W, "sub", "deeper"), { recursive: true, mode: 0o755 });
writeFileSync(join(W, "sub", "b"), "beta", { mode: 0o600 });
writeFileSync(join(W, "sub", "deeper", "c"), "gamma", { mode: 0o444 });
mkdirSync(join(W, "ro"), { mode: 0o755 });
writeFileSync(join(W, "ro", "f"), "ro");
chmodSync(join(W, "ro"), 0o555);
symlinkSync("/etc", join(W, "link-abs"));
symlinkSync("../../..", join(W, "link-rel"));
symlinkSync(OUTSIDE, join(W, "link-out"));
symlinkSync("a", join(W, "link-file"));
symlinkSync("loop", join(W, "loop"));
writeFileSync(join(W, "n\nl"), "not executable", { mode: 0o644 }); // a name with a newline


// ---- values -------------------------------------------------------------------

const LONG = `/tmp/${"x".repeat(4100)}`; // over PATH_MAX, and a component over NAME_MAX
const COMPONENTS_300 = `/tmp/${Array.from({ length: 300 }, (_, i) => `c${i}`).join("/")}`; // 300 components, short enough to exist
const COMPONENTS_300_LONG = `/tmp/${Array(300).fill("abcdefghijklmn").join("/")}`; // 300 components, over PATH_MAX
const WEIRD = [
  "", "/", "..", "../..", ".", "a\nb", "/tmp/a\nb", " ", "-", "--", "-x", "+", "//", "/./tmp/../tmp", "\t", "*", "~", "$HOME",
  "é", "\u202e", "\u{1f600}", LONG, COMPONENTS_300, COMPONENTS_300_LONG,
];
const HOST_SRC = [
  "/", "/usr", "/etc", "/dev/null", "/proc/self/root", "/proc/self/cwd", "/nonexistent", "/tmp/../etc",
  W, `${W}/a`, `${W}/sub`, `${W}/sub/deeper`, `${W}/ro`, `${W}/link-abs`, `${W}/link-rel`, `${W}/link-out`,
  `${W}/link-file`, `${W}/loop`, `${W}/loop/x`, `${W}/missing`, `${W}/../${W.split("/").pop()}/sub`, `${W}/link-out/x`,
];
const PLUS_SRC = [
  "+/", "+", "+..", "+/../../../etc", "+/../../..", "+/tmp", "+/tmp/w", "+/tmp/w/sub", "+/tmp/w/link-abs", "+/tmp/w/link-rel",
  "+/tmp/w/link-out", "+/tmp/w/loop", "+/tmp/w/a", "+/nonexistent", "+a\nb", `+${LONG}`, "+/tmp/../../x", "+/usr", "+/tmp/x",
];
const DST = [
  "/tmp/x", "/tmp/x/y/z", "/tmp/y", "/tmp/w/sub/new", "/tmp/w/link-abs/new", "/tmp/w/link-rel/new", "/tmp/w/link-out/new",
  "/tmp/w/loop/new", "/tmp/w/link-file", "/tmp/w/a", "/tmp/w/ro/new", "/tmp/w", "/tmp/../tmp/q", "/tmp/a\nb", "/tmp/tmp",
  "/tmp/é", "/tmp/x/../y", "tmp/rel", LONG, COMPONENTS_300, COMPONENTS_300_LONG, "/tmp",
];
const TARGETS = ["t", "", "/etc", "../../..", "a\nb", "x".repeat(5000), "/tmp/w/loop", "/proc/self/root"];
const DATA = ["", "data", "a\nb", "x".repeat(20_000), "\u{1f600}"];
const ENV_NAMES = ["A", "TSBOX_FUZZ", "", "A=B", "a\nb", "PATH", "1X", "é", "X".repeat(5000)];

// ---- argv with raw bytes ------------------------------------------------------

/** An argument: a string, or raw bytes (possibly invalid UTF-8, never NUL). */
type Arg = string | Uint8Array;
type Group = Arg[];

const decoder = new TextDecoder(); // replaces invalid sequences with U+FFFD, as the runtime does for argv
const asString = (a: Arg) => (typeof a === "string" ? a : decoder.decode(a));
const isRaw = (argv: readonly Arg[]) => argv.some((a) => typeof a !== "string");

function randomToken(g: Rng): string {
  for (;;) {
    const n = 1 + g.int(12);
    let s = "";
    for (let i = 0; i < n; i++) {
      const cp = g.weighted<() => number>([
        [4, () => 0x21 + g.int(0x5e)], // printable ASCII
        [1, () => 1 + g.int(31)], // control characters
        [1, () => 0xa0 + g.int(0x160)],
        [1, () => 0x3000 + g.int(0x1000)],
        [1, () => 0x1f300 + g.int(0x300)],
      ])();
      s += String.fromCodePoint(cp);
    }
    // Not an option, not "--", not something that could run as the command.
    if (lookupOption(s) || s === "--" || s.startsWith("/") || s.startsWith(".") || Bun.which(s, { PATH: ENV.PATH })) continue;
    return s;
  }
}

function randomBytes(g: Rng): Uint8Array {
  const b = new Uint8Array(1 + g.int(12));
  for (let i = 0; i < b.length; i++) b[i] = 1 + g.int(255);
  if (b[0] === 0x2f || b[0] === 0x2e) b[0] = 0xff; // no "/..." or "./..." command
  return b;
}

// ---- options the binary may get -------------------------------------------------

const dst = (g: Rng) => (g.chance(0.85) ? g.pick(DST) : g.pick(WEIRD));
const hostSrc = (g: Rng) => (g.chance(0.85) ? g.pick(HOST_SRC) : g.pick(WEIRD));
const plusSrc = (g: Rng) => g.pick(PLUS_SRC);
const anyValue = (g: Rng) => g.pick([...WEIRD, ...DST, ...HOST_SRC, ...TARGETS.slice(0, 5), ...DATA.slice(0, 3)]);
const FLAGS = ["--same-dir", "--become-root", "--unshare-net", "--unshare-ipc", "--suppress-chown", "--suppress-sync", "--pack-fds"];

/** Groups of [flag, values...]; never a rw bind of a host path, never --overlay-workdir (so no host upper dir). */
const GENERATORS: readonly (readonly [number, (g: Rng) => Group[]])[] = [
  [3, (g) => [["--dir", dst(g)]]],
  [2, (g) => [["--tmpfs", dst(g)]]],
  [2, (g) => [["--write", g.pick(DATA), dst(g)]]],
  [2, (g) => [["--symlink", g.pick(TARGETS), dst(g)]]],
  [3, (g) => [[g.pick(["--ro-bind", "--ro-bind-try"]), hostSrc(g), dst(g)]]],
  [2, (g) => [[g.pick(["--bind", "--bind-try", "--ro-bind", "--ro-bind-try"]), plusSrc(g), dst(g)]]],
  [1, (g) => [["--dev", dst(g)]]],
  [1, (g) => [["--proc", dst(g)]]],
  [1, (g) => {
    const groups: Group[] = [["--overlay-lowerdir", hostSrc(g)]];
    if (g.chance(0.5)) groups.push(["--overlay-lowerdir", hostSrc(g)]);
    if (g.chance(0.5)) groups.push(["--overlay-upperdir", g.chance(0.8) ? "tmpfs" : g.pick(WEIRD)]);
    groups.push(["--overlay", dst(g)]);
    return groups;
  }],
  [2, (g) => [["--setenv", g.pick(ENV_NAMES), anyValue(g)]]],
  [1, (g) => [["--unsetenv", g.pick(ENV_NAMES)]]],
  [1, (g) => [["--chdir", dst(g)]]],
  [1.5, (g) => [[g.pick(FLAGS)]]],
  [0.1, (g) => [[g.pick(["--help", "-h", "--version"])]]],
];

const VALID_BASE: Group[] = [["--ro-bind", "/", "/"], ["--tmpfs", "/tmp"]];
const WATCHED_BIND: Group = ["--ro-bind", W, "/tmp/w"];

function huge(kind: number): Group[] {
  return Array.from({ length: 10_000 }, (_, i): Group => {
    switch (kind) {
      case 0: return ["--dir", `/tmp/d/${i}`];
      case 1: return ["--dir", `/d/${i}`];
      case 2: return ["--setenv", `V${i}`, String(i)];
      default: return ["--ro-bind-try", `/nonexistent/${i}`, `/tmp/b/${i}`];
    }
  });
}

interface Case {
  readonly argv: Arg[];
  readonly command: string;
  readonly label: string;
}

/** Replace value `j` of a group, keeping rw binds off host paths. */
function replaceValue(g: Rng, group: Group, j: number, raw: boolean): void {
  const flag = group[0] as string;
  if ((flag === "--bind" || flag === "--bind-try") && j === 1) {
    group[j] = g.chance(0.7) ? plusSrc(g) : `+${g.pick(WEIRD)}`;
    return;
  }
  group[j] = raw ? randomBytes(g) : g.chance(0.6) ? g.pick(WEIRD) : anyValue(g);
}

function makeCase(g: Rng, allowRaw: boolean): Case {
  const labels: string[] = [];
  let groups: Group[] = [];
  const valid = g.chance(0.7);
  if (valid) groups.push(...VALID_BASE.map((x) => [...x]));
  if (g.chance(0.6)) groups.push([...WATCHED_BIND]);
  labels.push(valid ? "valid base" : "bare");
  const n = g.int(6);
  for (let i = 0; i < n; i++) groups.push(...g.weighted(GENERATORS)(g));

  let truncated = false;
  const mutations = g.int(4);
  for (let m = 0; m < mutations && !truncated; m++) {
    const kind = g.weighted<string>([[3, "drop"], [2, "dup"], [4, "value"], [1.5, "truncate"], [1.5, "token"], [allowRaw ? 1 : 0, "raw"], [0.25, "huge"]]);
    labels.push(kind);
    switch (kind) {
      case "drop": if (groups.length > 0) groups.splice(g.int(groups.length), 1); break;
      case "dup": if (groups.length > 0) groups.splice(g.int(groups.length + 1), 0, [...groups[g.int(groups.length)]!]); break;
      case "value": case "raw": {
        const withValues = groups.filter((x) => x.length > 1);
        if (withValues.length === 0) break;
        const group = g.pick(withValues);
        replaceValue(g, group, 1 + g.int(group.length - 1), kind === "raw");
        break;
      }
      case "token": groups.splice(g.int(groups.length + 1), 0, [allowRaw && g.chance(0.3) ? randomBytes(g) : randomToken(g)]); break;
      case "huge": groups.push(...huge(g.int(4))); break;
      case "truncate": {
        const idx = groups.map((x, i) => (x.length > 1 ? i : -1)).filter((i) => i >= 0);
        if (idx.length === 0) break;
        const at = g.pick(idx);
        const group = groups[at]!;
        groups = [...groups.slice(0, at), group.slice(0, 1 + g.int(group.length - 1))];
        truncated = true;
        break;
      }
    }
  }
  const command = g.chance(0.5) ? "true" : "/bin/true";
  let argv: Arg[] = groups.flat();
  // The shell that passes raw bytes on is quadratic in the argument count: keep long lists strings.
  if (argv.length > 1000 && isRaw(argv)) argv = argv.map(asString);
  if (!truncated) argv.push(...(g.chance(0.8) ? ["--", command] : [command]));
  return { argv, command, label: labels.join(", ") };
}

// ---- oracle -------------------------------------------------------------------

type Predicted = { kind: "usage"; line: string } | { kind: "help" | "version" } | { kind: "run"; command: string };

function predict(argv: readonly Arg[]): Predicted {
  try {
    const r: ParseResult = parseArgs(argv.map(asString), "/");
    if (r.action !== "run") return { kind: r.action };
    return { kind: "run", command: r.spec.command[0] ?? "bash" };
  } catch (e) {
    if (e instanceof UsageError) return { kind: "usage", line: `tsbox: ${oneLine(e.message)}` };
    throw e;
  }
}

interface Outcome { status: number | null; signal: string | null; stdout: string; stderr: string }

const TRACE = /^\s+at |\.ts:\d|^error:|internal error|panic|Bun v\d/m;

/** undefined when the outcome is allowed, else why not. */
function judge(p: Predicted, o: Outcome, intended: string): string | undefined {
  if (o.signal !== null) return `killed by ${o.signal}`;
  if (TRACE.test(o.stderr)) return "a stack trace or runtime error on stderr";
  const lines = o.stderr === "" ? [] : o.stderr.replace(/\n$/, "").split("\n");
  const oneTsboxLine = lines.length === 1 && lines[0]!.startsWith("tsbox: ") && o.stderr.endsWith("\n");
  switch (p.kind) {
    case "usage":
      if (o.status !== 125 || o.stderr !== `${p.line}\n`) return `expected exit 125 and ${JSON.stringify(p.line)}`;
      return undefined;
    case "help": case "version":
      if (o.status !== 0 || o.stdout === "" || o.stderr !== "") return `expected exit 0 with ${p.kind} on stdout`;
      return undefined;
    case "run": {
      const notFound = `tsbox: ${oneLine(p.command)}: command not found\n`;
      if (p.command === intended) {
        if (o.status === 0) return o.stderr === "" ? undefined : "exit 0 but stderr not empty";
        if (o.status === 125) return oneTsboxLine ? undefined : "exit 125 without exactly one tsbox: line";
        if (o.status === 127) return o.stderr === notFound ? undefined : `exit 127 without ${JSON.stringify(notFound)}`;
        return `unexpected exit status ${o.status}`;
      }
      // A token became the command (it names nothing that exists).
      if (o.status === 125 || o.status === 126) return oneTsboxLine ? undefined : `exit ${o.status} without exactly one tsbox: line`;
      if (o.status === 127) return o.stderr === notFound ? undefined : `exit 127 without ${JSON.stringify(notFound)}`;
      return `unexpected exit status ${o.status} for command ${JSON.stringify(p.command)}`;
    }
  }
}

// ---- running --------------------------------------------------------------------

const AS_NOBODY = ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups"];
// Rebuilds the raw arguments (prefix "r:") from printf %b escapes, so raw
// bytes reach tsbox intact; the others (prefix "s:") pass as they are.
const RAW_EXEC = [
  'bin=$1; shift; n=$#',
  'while [ "$n" -gt 0 ]; do',
  '  case $1 in r:*) a=$(printf "%bx" "${1#r:}"); set -- "$@" "${a%x}" ;; *) set -- "$@" "${1#s:}" ;; esac',
  '  shift; n=$((n-1))',
  'done',
  'exec "$bin" "$@"',
].join("\n");
const escape = (a: Arg) =>
  typeof a === "string" ? `s:${a}` : `r:${Array.from(a, (b) => `\\0${b.toString(8).padStart(3, "0")}`).join("")}`;

function execArgv(mode: Mode, argv: readonly Arg[]): string[] {
  const inner = isRaw(argv) ? ["sh", "-c", RAW_EXEC, "sh", binary(), ...argv.map(escape)] : [binary(), ...(argv as string[])];
  return mode === "user" ? [...AS_NOBODY, ...inner] : inner;
}

function runBinary(mode: Mode, argv: readonly Arg[]): Outcome {
  const full = execArgv(mode, argv);
  const r = spawnSync(full[0]!, full.slice(1), { cwd: "/", env: ENV, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
function reproducer(mode: Mode, argv: readonly Arg[]): string {
  const shown = argv.length > 40 ? [...argv.slice(0, 20), `...(${argv.length - 30} more)...`, ...argv.slice(-10)] : argv;
  const words = execArgv(mode, shown as Arg[]).map((w) => quote(w.length > 200 ? `${w.slice(0, 80)}...(${w.length} chars)` : w));
  return words.join(" ");
}

interface Failure { mode: Mode; label: string; why: string; status: number | null; signal: string | null; stderr: string; reproducer: string }
const failures: Failure[] = [];
const tally = new Map<string, number>();
let mountsBefore = "";
let treeBefore: string[] = [];
let outBefore: string[] = [];

function check(mode: Mode, c: Case): void {
  const p = predict(c.argv);
  const o = runBinary(mode, c.argv);
  const why = judge(p, o, c.command);
  const key = `${mode} ${p.kind === "run" ? `run(${p.command === c.command ? "cmd" : "token"})` : p.kind} -> ${o.signal ?? o.status}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (VERBOSE) console.log(`[${mode}] ${c.label} -> ${o.signal ?? o.status} ${JSON.stringify(o.stderr.slice(0, 160))}`);
  if (why !== undefined) {
    failures.push({
      mode, label: c.label, why, status: o.status, signal: o.signal,
      stderr: o.stderr.length > 500 ? `${o.stderr.slice(0, 500)}...` : o.stderr, reproducer: reproducer(mode, c.argv),
    });
  }
}

/** Fixed cases every seed runs: each weird value in each position, the long lists, the escapes. */
function fixedCases(): Case[] {
  const out: Case[] = [];
  const base = VALID_BASE.flat();
  const add = (label: string, argv: Arg[], command = "true") => out.push({ label, argv: [...argv, "--", command], command });
  add("valid base", base);
  add("bare", []);
  for (const v of [LONG, COMPONENTS_300, COMPONENTS_300_LONG, "", "/", "..", "a\nb"]) {
    add(`--dir ${v.length > 20 ? `${v.length}-char path` : JSON.stringify(v)}`, [...base, "--dir", v]);
    add(`--ro-bind ${v.length > 20 ? `${v.length}-char path` : JSON.stringify(v)} /tmp/x`, [...base, "--ro-bind", v, "/tmp/x"]);
  }
  add("+ source climbing", [...base, "--ro-bind", "+/../../../etc", "/tmp/e", "--bind", "+/../..", "/tmp/r"]);
  add("through the watched tree's symlinks", [...base, ...WATCHED_BIND, "--dir", "/tmp/w/link-out/x", "--ro-bind", `${W}/link-rel`, "/tmp/up"]);
  add("a symlink loop", [...base, ...WATCHED_BIND, "--write", "x", "/tmp/w/loop/f"]);
  for (let k = 0; k < 4; k++) add(`10,000 options (kind ${k})`, [...base, ...huge(k).flat()]);
  // A command name with a newline, through each way of failing to run it.
  out.push({ label: "command with a newline, no slash", argv: [...base, "--", "x\n1"], command: "true" });
  out.push({ label: "command with a newline and a slash, missing", argv: [...base, "--", "x/\n1"], command: "true" });
  out.push({ label: "command with a newline, not executable", argv: [...base, ...WATCHED_BIND, "--", "/tmp/w/n\nl"], command: "true" });
  out.push({ label: "truncated --bind", argv: [...base, "--bind", "/"], command: "true" });
  out.push({ label: "raw bytes", argv: [...base, "--dir", new Uint8Array([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff, 0xfe, 0x0a]), "--", "true"], command: "true" });
  return out;
}

// ---- tests ----------------------------------------------------------------------

test(`parser: ${PARSER_CASES} mutated command lines give a ParseResult or a UsageError`, () => {
  const g = new Rng(SEED ^ 0x9e3779b9);
  const allFlags = OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? [])]);
  const others: string[] = [];
  const normal = (p: string) => isAbsolute(p) && posix.normalize(p) === p && (p === "/" || !p.endsWith("/"));
  for (let i = 0; i < PARSER_CASES; i++) {
    let argv: string[];
    if (g.chance(0.5)) {
      argv = makeCase(g, true).argv.map(asString);
    } else {
      // Any option of the table, any value, anywhere.
      argv = [];
      const n = g.int(12);
      for (let k = 0; k < n; k++) {
        argv.push(g.chance(0.8) ? g.pick(allFlags) : g.chance(0.5) ? randomToken(g) : decoder.decode(randomBytes(g)));
        const values = g.int(3);
        for (let v = 0; v < values; v++) argv.push(anyValue(g));
      }
    }
    const cwd = g.pick(["/", "/tmp", "/a\nb", "/x/y"]); // process.cwd() is always canonical
    let first: ParseResult | UsageError;
    try {
      first = parseArgs(argv, cwd);
    } catch (e) {
      if (!(e instanceof UsageError)) {
        others.push(`${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} <- parseArgs(${JSON.stringify(argv).slice(0, 300)}, ${JSON.stringify(cwd)})`);
        continue;
      }
      first = e;
      if (e.message === "" || e.message.length > 20_000) others.push(`UsageError message of ${e.message.length} chars <- ${JSON.stringify(argv).slice(0, 300)}`);
    }
    // A pure function: the same argv gives the same outcome.
    let again: ParseResult | UsageError;
    try { again = parseArgs([...argv], cwd); } catch (e) { again = e as UsageError; }
    expect(again instanceof UsageError ? `usage: ${again.message}` : again).toEqual(first instanceof UsageError ? `usage: ${first.message}` : first);
    const bad = (what: string) => others.push(`${what} <- parseArgs(${JSON.stringify(argv).slice(0, 300)}, ${JSON.stringify(cwd)})`);
    if (!(first instanceof UsageError) && first.action === "run") {
      const spec = first.spec;
      for (const r of spec.fs) {
        if (!normal(r.dst)) bad(`${r.kind} dst ${JSON.stringify(r.dst)} not absolute and normalised`);
        if (r.kind === "bind" && !normal(r.src)) bad(`bind src ${JSON.stringify(r.src)} not absolute and normalised`);
        if (r.kind === "overlay") for (const l of r.lowerdirs) if (!normal(l)) bad(`lowerdir ${JSON.stringify(l)} not normalised`);
      }
      if (!normal(spec.cwd)) bad(`cwd ${JSON.stringify(spec.cwd)} not normalised`);
      const tail = argv.slice(argv.length - spec.command.length);
      if (spec.command.length > 0 && JSON.stringify(spec.command) !== JSON.stringify(tail)) bad("the command is not the tail of argv");
    } else if (!(first instanceof UsageError) && first.action !== "help" && first.action !== "version") {
      bad(`unknown action ${JSON.stringify(first)}`);
    }
  }
  expect(others).toEqual([]);
}, 120_000);

test("binary: setup", () => {
  binary();
  mountsBefore = hostMounts();
  treeBefore = listing(W);
  outBefore = listing(OUTBASE);
});

for (const mode of ["root", "user"] as const) {
  test(`binary as ${mode}: fixed edge cases and ${BINARY_CASES} mutated command lines`, () => {
    const g = new Rng(SEED);
    for (const c of fixedCases()) check(mode, c);
    for (let i = 0; i < BINARY_CASES; i++) check(mode, makeCase(g, true));
    expect(hostMounts()).toBe(mountsBefore);
    expect(listing(W)).toEqual(treeBefore);
  }, 120_000);
}

test("binary: every outcome was allowed; the host mount table and the watched tree are unchanged", () => {
  console.log(`fuzz outcomes (mode, prediction -> status):\n${[...tally].sort().map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
  if (failures.length > 0) {
    console.log(`fuzz failures (seed ${SEED}): ${failures.length}`);
    for (const f of failures.slice(0, 15)) console.log(`  [${f.mode}] ${f.label}: ${f.why}\n    got status=${f.status} signal=${f.signal} stderr=${JSON.stringify(f.stderr)}\n    $ ${f.reproducer}`);
  }
  expect(failures.slice(0, 5)).toEqual([]);
  expect(hostMounts()).toBe(mountsBefore);
  expect(listing(W)).toEqual(treeBefore);
  expect(listing(OUTBASE)).toEqual(outBefore);
});

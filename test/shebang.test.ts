// Shebang use of tsbox: the splitter in src/cli/shebang.ts (unit tests), and
// both shebang forms run for real through the compiled binary:
//   (a) #!/usr/bin/env -S tsbox OPTIONS -- /bin/sh   (env splits the line)
//   (b) #!/abs/path/tsbox OPTIONS -- /bin/sh          (tsbox splits it itself)
// Form (b) needs main.ts to call expandShebang() on process.argv.slice(2).

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPTIONS } from "../src/cli/options.ts";
import { parseArgs } from "../src/cli/parse.ts";
import { expandShebang, isShebangArgument, splitShebang } from "../src/cli/shebang.ts";
import { UsageError } from "../src/errors.ts";
import { binary, MODES, NOBODY, type Mode } from "./helpers.ts";

describe("splitShebang", () => {
  test("blanks separate words; runs of blanks and blanks at the ends count once", () => {
    expect(splitShebang("--ro-bind / / -- /bin/sh")).toEqual(["--ro-bind", "/", "/", "--", "/bin/sh"]);
    expect(splitShebang("  --a \t\t b  ")).toEqual(["--a", "b"]);
    expect(splitShebang("--a\r")).toEqual(["--a"]); // a script saved with CRLF line ends
    expect(splitShebang("")).toEqual([]);
    expect(splitShebang(" \t ")).toEqual([]);
  });

  test("single quotes are literal, backslashes included", () => {
    expect(splitShebang("--write 'a b  c' /f")).toEqual(["--write", "a b  c", "/f"]);
    expect(splitShebang("'a\\nb' 'x\"y'")).toEqual(["a\\nb", 'x"y']);
  });

  test('double quotes: \\" and \\\\ are escapes, other backslashes stay', () => {
    expect(splitShebang('--setenv X "a \\"b\\" \\\\ \\n $HOME"')).toEqual(["--setenv", "X", 'a "b" \\ \\n $HOME']);
    expect(splitShebang(`"it's"`)).toEqual(["it's"]);
  });

  test("outside quotes a backslash makes the next character literal", () => {
    expect(splitShebang("a\\ b c\\'d \\\\")).toEqual(["a b", "c'd", "\\"]);
    expect(splitShebang("\\\"x")).toEqual(['"x']);
  });

  test("quoted parts join the word around them; empty quotes make an empty word", () => {
    expect(splitShebang(`--setenv A pre'fix 'mid"dle "end`)).toEqual(["--setenv", "A", "prefix middle end"]);
    expect(splitShebang("--setenv X '' --write \"\" /f")).toEqual(["--setenv", "X", "", "--write", "", "/f"]);
  });

  test("unterminated quotes and a trailing backslash are usage errors", () => {
    for (const bad of ["--a 'b", '--a "b', '--a "b\\"', "--a b\\"]) {
      expect(() => splitShebang(bad)).toThrow(UsageError);
    }
    expect(() => splitShebang("--a 'b")).toThrow(/unterminated ' quote/);
  });
});

describe("expandShebang", () => {
  test("a shebang argument is split, the script path and its arguments are kept verbatim", () => {
    const argv = ["--ro-bind / / -- /bin/sh", "/home/u/my script", "it's", "--bind a b", ""];
    expect(expandShebang(argv)).toEqual(["--ro-bind", "/", "/", "--", "/bin/sh", "/home/u/my script", "it's", "--bind a b", ""]);
  });

  test("a tab is enough", () => {
    expect(expandShebang(["--unshare-net\t--", "/s"])).toEqual(["--unshare-net", "--", "/s"]);
  });

  test("ordinary command lines are returned unchanged", () => {
    const ordinary: string[][] = [
      [],
      ["--ro-bind", "/", "/", "--", "sh", "-c", "echo a b"],
      ["--setenv", "A", "x y", "env"],
      ["--write", "-- not an option --", "/f"],
      ["--", "--odd command name"], // a command after "--" may look like anything
      ["echo", "--a b"],
      ["-h"],
      ["--"],
      ["-x y"], // one dash: never a shebang argument
      ["/usr/bin/env", "--a b"],
    ];
    for (const argv of ordinary) expect(expandShebang(argv)).toBe(argv);
  });

  test("nothing the rule splits is a valid first argument: the parser rejects every such argv[0] on its own", () => {
    const candidates = ["--ro-bind / /", "-- /bin/sh", "--help me", "--unshare-net\t--", ...OPTIONS.map((o) => `${o.flag} x`)];
    for (const a of candidates) {
      expect(isShebangArgument(a)).toBe(true);
      expect(() => parseArgs([a, "/script"], "/")).toThrow(UsageError);
    }
  });

  test("no option name contains a blank (the rule depends on it)", () => {
    for (const o of OPTIONS) for (const name of [o.flag, ...(o.aliases ?? [])]) expect(name).not.toMatch(/\s/);
  });

  test("expanding an expanded line changes nothing (the single-thread re-exec passes it on)", () => {
    const once = expandShebang(["--ro-bind / / --setenv A 'x y' -- /bin/sh", "/s", "--a b"]);
    expect(expandShebang(once)).toBe(once);
    const r = parseArgs(once, "/");
    expect(r.action).toBe("run");
    if (r.action === "run") {
      expect(r.spec.setenv).toEqual([["A", "x y"]]);
      expect(r.spec.command).toEqual(["/bin/sh", "/s", "--a b"]);
    }
  });
});

// ---- through the binary ------------------------------------------------------

const HOST_NET_DEV_LINES = readFileSync("/proc/self/net/dev", "utf8").trim().split("\n").length;

function runScript(mode: Mode, script: string, args: string[], env: Record<string, string>) {
  const [cmd, argv] = mode === "root"
    ? [script, args]
    : ["setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", script, ...args]];
  const r = spawnSync(cmd, argv, { env, encoding: "utf8", timeout: 30_000, cwd: "/" });
  if (r.error) throw r.error;
  return r;
}

function writeScript(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

const BODY = [
  `printf '[%s]\\n' "$0" "$@"`,
  "id -u",
  "wc -l < /proc/self/net/dev",
  "",
].join("\n");

// Scripts and the PATH directory, reachable by uid 65534; removed afterwards.
const SCRATCH = mkdtempSync("/tmp/tsbox-shebang-");
chmodSync(SCRATCH, 0o755);
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

describe.each(MODES)("shebang scripts (%s)", (mode) => {
  const dir = join(SCRATCH, mode);
  mkdirSync(dir, { mode: 0o755 });
  const bindir = join(dir, "bin");
  mkdirSync(bindir, { mode: 0o755 });
  chmodSync(bindir, 0o755);
  symlinkSync(binary(), join(bindir, "tsbox"));
  const env = { PATH: `${bindir}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: "/" };
  const uid = mode === "root" ? "0" : String(NOBODY);

  test("(a) #!/usr/bin/env -S tsbox ... -- /bin/sh", () => {
    // The loopback-only network namespace must differ from the host's (more interfaces).
    expect(HOST_NET_DEV_LINES).toBeGreaterThan(3);
    const script = writeScript(dir, "env-form.sh", `#!/usr/bin/env -S tsbox --ro-bind / / --unshare-net -- /bin/sh\n${BODY}`);
    const r = runScript(mode, script, ["one arg", "--two"], env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`[${script}]\n[one arg]\n[--two]\n${uid}\n3\n`);
    expect(r.status).toBe(0);
  });

  test("(b) #!/abs/path/tsbox ... -- /bin/sh (needs expandShebang in main.ts)", () => {
    const script = writeScript(dir, "direct-form.sh", `#!${binary()} --ro-bind / / --unshare-net --setenv GREETING 'hi there' -- /bin/sh\n${BODY}echo "$GREETING"\n`);
    const r = runScript(mode, script, ["one arg", "--bind a b"], env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`[${script}]\n[one arg]\n[--bind a b]\n${uid}\n3\nhi there\n`);
    expect(r.status).toBe(0);
  });

  test("(b) a bad shebang argument is one line and status 125", () => {
    const script = writeScript(dir, "bad-quote.sh", `#!${binary()} --ro-bind / / --setenv A 'x -- /bin/sh\necho never\n`);
    const r = runScript(mode, script, [], env);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tsbox: shebang argument ${JSON.stringify("--ro-bind / / --setenv A 'x -- /bin/sh")}: unterminated ' quote\n`);
    expect(r.status).toBe(125);
  });

  test("(b) the script's exit status is tsbox's", () => {
    const script = writeScript(dir, "status.sh", `#!${binary()} --ro-bind / / -- /bin/sh\nexit 7\n`);
    const r = runScript(mode, script, [], env);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(7);
  });
});

// Unit tests of the command-line parser (src/cli/parse.ts): the grammar of
// mkosi-sandbox(1) — options in order, values verbatim, paths made absolute.

import { describe, expect, test } from "bun:test";
import { parseArgs } from "../src/cli/parse.ts";
import { OPTIONS } from "../src/cli/options.ts";
import { UsageError } from "../src/errors.ts";
import type { FsRequest, SandboxSpec } from "../src/spec.ts";

const CWD = "/home/user/work";

function spec(argv: readonly string[], cwd = CWD): SandboxSpec {
  const r = parseArgs(argv, cwd);
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.spec;
}

function usageError(argv: readonly string[], cwd = CWD): UsageError {
  try {
    parseArgs(argv, cwd);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`parseArgs(${JSON.stringify(argv)}) did not throw`);
}

const DEFAULTS: SandboxSpec = {
  fs: [], setenv: [], unsetenv: [], cwd: "/",
  becomeRoot: false, suppressChown: false, suppressSync: false, unshareNet: false,
  unshareIpc: false, suspend: false, packFds: false, debug: false, command: [],
};

const bind = (src: string, dst: string, readonly = false, optional = false, inSandbox = false): FsRequest =>
  ({ kind: "bind", src, dst, readonly, optional, inSandbox });

/**
 * One case per option of the table: the arguments and the spec fields they
 * must produce (everything else stays at its default).
 */
const CASES: Record<string, { argv: string[]; expect?: Partial<SandboxSpec>; action?: "help" | "version" }> = {
  "--tmpfs": { argv: ["--tmpfs", "/tmp"], expect: { fs: [{ kind: "tmpfs", dst: "/tmp" }] } },
  "--dev": { argv: ["--dev", "/dev"], expect: { fs: [{ kind: "dev", dst: "/dev" }] } },
  "--proc": { argv: ["--proc", "/proc"], expect: { fs: [{ kind: "proc", dst: "/proc" }] } },
  "--dir": { argv: ["--dir", "/var/tmp"], expect: { fs: [{ kind: "dir", dst: "/var/tmp" }] } },
  "--bind": { argv: ["--bind", "/src", "/dst"], expect: { fs: [bind("/src", "/dst")] } },
  "--bind-try": { argv: ["--bind-try", "/src", "/dst"], expect: { fs: [bind("/src", "/dst", false, true)] } },
  "--ro-bind": { argv: ["--ro-bind", "/src", "/dst"], expect: { fs: [bind("/src", "/dst", true)] } },
  "--ro-bind-try": { argv: ["--ro-bind-try", "/src", "/dst"], expect: { fs: [bind("/src", "/dst", true, true)] } },
  "--symlink": { argv: ["--symlink", "usr/bin", "/bin"], expect: { fs: [{ kind: "symlink", target: "usr/bin", dst: "/bin" }] } },
  "--write": { argv: ["--write", "hello", "/etc/x"], expect: { fs: [{ kind: "write", data: "hello", dst: "/etc/x" }] } },
  "--overlay-lowerdir": {
    argv: ["--overlay-lowerdir", "/l", "--overlay", "/o"],
    expect: { fs: [{ kind: "overlay", dst: "/o", lowerdirs: ["/l"], upperdir: undefined, workdir: undefined }] },
  },
  "--overlay-upperdir": {
    argv: ["--overlay-lowerdir", "/l", "--overlay-upperdir", "/u", "--overlay-workdir", "/w", "--overlay", "/o"],
    expect: { fs: [{ kind: "overlay", dst: "/o", lowerdirs: ["/l"], upperdir: "/u", workdir: "/w" }] },
  },
  "--overlay-workdir": {
    argv: ["--overlay-workdir", "/w", "--overlay-upperdir", "/u", "--overlay-lowerdir", "/l", "--overlay", "/o"],
    expect: { fs: [{ kind: "overlay", dst: "/o", lowerdirs: ["/l"], upperdir: "/u", workdir: "/w" }] },
  },
  "--overlay": {
    argv: ["--overlay-lowerdir", "/l", "--overlay-upperdir", "tmpfs", "--overlay", "/o"],
    expect: { fs: [{ kind: "overlay", dst: "/o", lowerdirs: ["/l"], upperdir: "tmpfs", workdir: undefined }] },
  },
  "--setenv": { argv: ["--setenv", "A", "b=c"], expect: { setenv: [["A", "b=c"]] } },
  "--unsetenv": { argv: ["--unsetenv", "HOME"], expect: { unsetenv: ["HOME"] } },
  "--chdir": { argv: ["--chdir", "/srv"], expect: { cwd: "/srv" } },
  "--same-dir": { argv: ["--same-dir"], expect: { cwd: CWD } },
  "--become-root": { argv: ["--become-root"], expect: { becomeRoot: true } },
  "--unshare-net": { argv: ["--unshare-net"], expect: { unshareNet: true } },
  "--unshare-ipc": { argv: ["--unshare-ipc"], expect: { unshareIpc: true } },
  "--suppress-chown": { argv: ["--suppress-chown"], expect: { suppressChown: true } },
  "--suppress-sync": { argv: ["--suppress-sync"], expect: { suppressSync: true } },
  "--suspend": { argv: ["--suspend"], expect: { suspend: true } },
  "--pack-fds": { argv: ["--pack-fds"], expect: { packFds: true } },
  "--debug": { argv: ["--debug"], expect: { debug: true } },
  "--version": { argv: ["--version"], action: "version" },
  "--help": { argv: ["--help"], action: "help" },
};

describe("every option of the table", () => {
  test("has a case here", () => {
    expect(OPTIONS.map((o) => o.flag).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [flag, c] of Object.entries(CASES)) {
    test(`${flag}`, () => {
      if (c.action) {
        expect(parseArgs(c.argv, CWD)).toEqual({ action: c.action });
        return;
      }
      expect(spec([...c.argv, "cmd", "arg"])).toEqual({ ...DEFAULTS, ...c.expect, command: ["cmd", "arg"] });
    });
  }

  for (const o of OPTIONS.filter((x) => x.values.length > 0)) {
    test(`${o.flag} with too few values is a usage error`, () => {
      for (let n = 0; n < o.values.length; n++) {
        const argv = [o.flag, ...Array.from({ length: n }, (_, i) => `/v${i}`)];
        const e = usageError(argv);
        expect(e.message).toContain(o.flag);
      }
    });
    test(`${o.flag} with too few values after other options is a usage error`, () => {
      usageError(["--tmpfs", "/tmp", "--become-root", o.flag, ...Array.from({ length: o.values.length - 1 }, () => "/x")]);
    });
  }

  test("options apply in order and accumulate", () => {
    const s = spec([
      "--ro-bind", "/usr", "/usr", "--tmpfs", "/tmp", "--setenv", "A", "1", "--setenv", "B", "2",
      "--unsetenv", "C", "--unsetenv", "D", "--bind", "/a", "/b", "--chdir", "/x", "--chdir", "/y",
    ]);
    expect(s.fs).toEqual([bind("/usr", "/usr", true), { kind: "tmpfs", dst: "/tmp" }, bind("/a", "/b")]);
    expect(s.setenv).toEqual([["A", "1"], ["B", "2"]]);
    expect(s.unsetenv).toEqual(["C", "D"]);
    expect(s.cwd).toBe("/y");
  });

  test("--same-dir and --chdir: the last one wins", () => {
    expect(spec(["--same-dir", "--chdir", "/srv"]).cwd).toBe("/srv");
    expect(spec(["--chdir", "/srv", "--same-dir"]).cwd).toBe(CWD);
    expect(spec(["--same-dir"], "/").cwd).toBe("/");
  });
});

describe("the command", () => {
  test("no arguments: defaults and an empty command", () => {
    expect(spec([])).toEqual(DEFAULTS);
  });

  test("options only: empty command", () => {
    expect(spec(["--tmpfs", "/tmp", "--become-root"]).command).toEqual([]);
  });

  test("-- ends the options", () => {
    const s = spec(["--tmpfs", "/tmp", "--", "--bind", "/", "/"]);
    expect(s.fs).toEqual([{ kind: "tmpfs", dst: "/tmp" }]);
    expect(s.command).toEqual(["--bind", "/", "/"]);
  });

  test("-- alone: empty command", () => {
    expect(spec(["--"]).command).toEqual([]);
    expect(spec(["--become-root", "--"])).toEqual({ ...DEFAULTS, becomeRoot: true });
  });

  test("only the first -- is special", () => {
    expect(spec(["--", "--"]).command).toEqual(["--"]);
    expect(spec(["--", "ls", "--", "-l"]).command).toEqual(["ls", "--", "-l"]);
  });

  test("parsing stops at the first non-option argument", () => {
    const s = spec(["--tmpfs", "/tmp", "ls", "--bind", "/", "/", "--become-root", "--", "x"]);
    expect(s.fs).toEqual([{ kind: "tmpfs", dst: "/tmp" }]);
    expect(s.becomeRoot).toBe(false);
    expect(s.command).toEqual(["ls", "--bind", "/", "/", "--become-root", "--", "x"]);
  });

  test("an option-like word after the command is the command's", () => {
    expect(spec(["ls", "--help"]).command).toEqual(["ls", "--help"]);
    expect(spec(["ls", "--bogus"]).command).toEqual(["ls", "--bogus"]);
    expect(spec(["/bin/sh", "-c", "echo hi"]).command).toEqual(["/bin/sh", "-c", "echo hi"]);
  });

  test("the command's arguments are kept verbatim (empty, spaces, newlines)", () => {
    expect(spec(["--", "printf", "", "a b", "c\nd", " "]).command).toEqual(["printf", "", "a b", "c\nd", " "]);
  });
});

describe("values are taken verbatim", () => {
  test("--setenv X --bind: the value is \"--bind\", nothing is bound", () => {
    const s = spec(["--setenv", "X", "--bind", "true"]);
    expect(s.setenv).toEqual([["X", "--bind"]]);
    expect(s.fs).toEqual([]);
    expect(s.command).toEqual(["true"]);
  });

  test("--write -x /f: the data is \"-x\"", () => {
    expect(spec(["--write", "-x", "/f"]).fs).toEqual([{ kind: "write", data: "-x", dst: "/f" }]);
  });

  test("a value \"--\" is a value, not the end of the options", () => {
    const s = spec(["--setenv", "X", "--", "--tmpfs", "/tmp", "ls"]);
    expect(s.setenv).toEqual([["X", "--"]]);
    expect(s.fs).toEqual([{ kind: "tmpfs", dst: "/tmp" }]);
    expect(s.command).toEqual(["ls"]);
  });

  test("an option name as a path value", () => {
    const s = spec(["--bind", "--tmpfs", "--dev"]);
    expect(s.fs).toEqual([bind(`${CWD}/--tmpfs`, `${CWD}/--dev`)]);
  });

  test("--help and --version as values do not print anything", () => {
    expect(spec(["--setenv", "A", "--help"]).setenv).toEqual([["A", "--help"]]);
    expect(spec(["--write", "--version", "/v"]).fs).toEqual([{ kind: "write", data: "--version", dst: "/v" }]);
    expect(spec(["--unsetenv", "-h"]).unsetenv).toEqual(["-h"]);
  });

  test("empty values", () => {
    expect(spec(["--setenv", "A", ""]).setenv).toEqual([["A", ""]]);
    expect(spec(["--write", "", "/f"]).fs).toEqual([{ kind: "write", data: "", dst: "/f" }]);
    expect(spec(["--symlink", "", "/l"]).fs).toEqual([{ kind: "symlink", target: "", dst: "/l" }]);
  });

  test("values with spaces and newlines", () => {
    const s = spec(["--setenv", "A", " a  b\n c\n", "--write", "line 1\nline 2\n", "/etc/my file", "--symlink", "a b\nc", "/l\nx"]);
    expect(s.setenv).toEqual([["A", " a  b\n c\n"]]);
    expect(s.fs).toEqual([
      { kind: "write", data: "line 1\nline 2\n", dst: "/etc/my file" },
      { kind: "symlink", target: "a b\nc", dst: "/l\nx" },
    ]);
  });

  test("--write data is not interpreted (backslashes, percent signs, unicode)", () => {
    const data = "a\\nb %s %% \\x41 é 日本 \t";
    expect(spec(["--write", data, "/f"]).fs).toEqual([{ kind: "write", data, dst: "/f" }]);
  });

  test("--setenv values may contain \"=\"", () => {
    expect(spec(["--setenv", "A", "x=y=z"]).setenv).toEqual([["A", "x=y=z"]]);
  });

  test("--symlink targets stay as given (relative targets are not made absolute)", () => {
    expect(spec(["--symlink", "usr/lib", "/lib", "--symlink", "../x/./y", "/a/b"]).fs).toEqual([
      { kind: "symlink", target: "usr/lib", dst: "/lib" },
      { kind: "symlink", target: "../x/./y", dst: "/a/b" },
    ]);
  });
});

describe("paths", () => {
  test("relative SRC and DST are made absolute against the cwd", () => {
    expect(spec(["--bind", "src", "dst"]).fs).toEqual([bind(`${CWD}/src`, `${CWD}/dst`)]);
    expect(spec(["--ro-bind-try", "./a/b", "c/"]).fs).toEqual([bind(`${CWD}/a/b`, `${CWD}/c`, true, true)]);
    expect(spec(["--bind", "..", "../x"]).fs).toEqual([bind("/home/user", "/home/user/x")]);
  });

  test("relative DST of every one-path option is made absolute", () => {
    for (const [flag, kind] of [["--tmpfs", "tmpfs"], ["--dev", "dev"], ["--proc", "proc"], ["--dir", "dir"]] as const)
      expect(spec([flag, "sub/dir"]).fs).toEqual([{ kind, dst: `${CWD}/sub/dir` }]);
    expect(spec(["--symlink", "t", "l"]).fs).toEqual([{ kind: "symlink", target: "t", dst: `${CWD}/l` }]);
    expect(spec(["--write", "d", "f"]).fs).toEqual([{ kind: "write", data: "d", dst: `${CWD}/f` }]);
  });

  test("relative --chdir is made absolute", () => {
    expect(spec(["--chdir", "sub"]).cwd).toBe(`${CWD}/sub`);
    expect(spec(["--chdir", ".."]).cwd).toBe("/home/user");
  });

  test("relative overlay directories are made absolute", () => {
    expect(spec(["--overlay-lowerdir", "l1", "--overlay-lowerdir", "../l2", "--overlay-upperdir", "u", "--overlay-workdir", "w", "--overlay", "o"]).fs)
      .toEqual([{ kind: "overlay", dst: `${CWD}/o`, lowerdirs: [`${CWD}/l1`, "/home/user/l2"], upperdir: `${CWD}/u`, workdir: `${CWD}/w` }]);
  });

  test("the cwd given is what counts", () => {
    expect(spec(["--bind", "a", "b"], "/").fs).toEqual([bind("/a", "/b")]);
    expect(spec(["--bind", "a", "b"], "/srv/x").fs).toEqual([bind("/srv/x/a", "/srv/x/b")]);
  });

  test("absolute paths are normalised", () => {
    expect(spec(["--bind", "/usr/../etc/", "//x//y/./z/"]).fs).toEqual([bind("/etc", "/x/y/z")]);
    expect(spec(["--tmpfs", "/tmp/"]).fs).toEqual([{ kind: "tmpfs", dst: "/tmp" }]);
  });

  test("+SRC is resolved in the sandbox: relative to /, not the cwd", () => {
    expect(spec(["--bind", "+usr/bin", "/x"]).fs).toEqual([bind("/usr/bin", "/x", false, false, true)]);
    expect(spec(["--ro-bind", "+/usr/bin", "y"]).fs).toEqual([bind("/usr/bin", `${CWD}/y`, true, false, true)]);
    expect(spec(["--bind-try", "+../etc", "/e"]).fs).toEqual([bind("/etc", "/e", false, true, true)]);
    expect(spec(["--ro-bind-try", "+", "/r"]).fs).toEqual([bind("/", "/r", true, true, true)]);
  });

  test("a \"+\" in DST or later in SRC is just a character", () => {
    expect(spec(["--bind", "a+b", "+c"]).fs).toEqual([bind(`${CWD}/a+b`, `${CWD}/+c`)]);
  });
});

describe("overlay options", () => {
  test("lowerdirs accumulate in order (first = bottom)", () => {
    const s = spec(["--overlay-lowerdir", "/l1", "--overlay-lowerdir", "/l2", "--overlay-lowerdir", "/l3", "--overlay", "/o"]);
    expect(s.fs).toEqual([{ kind: "overlay", dst: "/o", lowerdirs: ["/l1", "/l2", "/l3"], upperdir: undefined, workdir: undefined }]);
  });

  test("other options between overlay options do not disturb the accumulation", () => {
    const s = spec(["--overlay-lowerdir", "/l1", "--tmpfs", "/tmp", "--overlay-lowerdir", "/l2", "--setenv", "A", "b", "--overlay", "/o"]);
    expect(s.fs).toEqual([
      { kind: "tmpfs", dst: "/tmp" },
      { kind: "overlay", dst: "/o", lowerdirs: ["/l1", "/l2"], upperdir: undefined, workdir: undefined },
    ]);
  });

  test("everything is reset after each --overlay", () => {
    const s = spec([
      "--overlay-lowerdir", "/l1", "--overlay-upperdir", "/u", "--overlay-workdir", "/w", "--overlay", "/o1",
      "--overlay-lowerdir", "/l2", "--overlay", "/o2",
      "--overlay-lowerdir", "/l3", "--overlay-upperdir", "tmpfs", "--overlay", "/o3",
      "--overlay-lowerdir", "/l4", "--overlay", "/o4",
    ]);
    expect(s.fs).toEqual([
      { kind: "overlay", dst: "/o1", lowerdirs: ["/l1"], upperdir: "/u", workdir: "/w" },
      { kind: "overlay", dst: "/o2", lowerdirs: ["/l2"], upperdir: undefined, workdir: undefined },
      { kind: "overlay", dst: "/o3", lowerdirs: ["/l3"], upperdir: "tmpfs", workdir: undefined },
      { kind: "overlay", dst: "/o4", lowerdirs: ["/l4"], upperdir: undefined, workdir: undefined },
    ]);
  });

  test("a later upperdir/workdir replaces an earlier one", () => {
    const s = spec(["--overlay-lowerdir", "/l", "--overlay-upperdir", "/u1", "--overlay-upperdir", "/u2", "--overlay-workdir", "/w1", "--overlay-workdir", "/w2", "--overlay", "/o"]);
    expect(s.fs).toEqual([{ kind: "overlay", dst: "/o", lowerdirs: ["/l"], upperdir: "/u2", workdir: "/w2" }]);
  });

  test("--overlay without a lowerdir is a usage error", () => {
    usageError(["--overlay", "/o"]);
    usageError(["--overlay-lowerdir", "/l", "--overlay", "/o1", "--overlay", "/o2"]);
  });

  test("a host upperdir without a workdir is a usage error", () => {
    usageError(["--overlay-lowerdir", "/l", "--overlay-upperdir", "/u", "--overlay", "/o"]);
  });

  test("overlay options without a following --overlay are a usage error", () => {
    usageError(["--overlay-lowerdir", "/l"]);
    usageError(["--overlay-lowerdir", "/l", "--", "ls"]);
    usageError(["--overlay-lowerdir", "/l", "--overlay", "/o", "--overlay-upperdir", "tmpfs", "ls"]);
  });
});

describe("errors", () => {
  test("an unknown option is a usage error naming it", () => {
    for (const bad of ["--bogus", "-x", "--bind=/a", "--BIND", "--tmpfs=x", "---"]) {
      const e = usageError([bad, "ls"]);
      expect(e.message).toContain(bad);
    }
  });

  test("an unknown option after valid ones is still an error", () => {
    usageError(["--tmpfs", "/tmp", "--become-root", "--nope"]);
  });

  test("an invalid --setenv name is a usage error", () => {
    usageError(["--setenv", "", "x"]);
    usageError(["--setenv", "A=B", "x"]);
  });

  test("usage error messages are a single line", () => {
    for (const argv of [["--bogus"], ["--bind", "/a"], ["--overlay", "/o"], ["--setenv", "A=B", "x"]])
      expect(usageError(argv).message).not.toContain("\n");
  });
});

describe("--help, -h, --version", () => {
  test("--help and -h", () => {
    expect(parseArgs(["--help"], CWD)).toEqual({ action: "help" });
    expect(parseArgs(["-h"], CWD)).toEqual({ action: "help" });
    expect(parseArgs(["--tmpfs", "/tmp", "-h", "ls"], CWD)).toEqual({ action: "help" });
    expect(parseArgs(["--help", "--bogus"], CWD)).toEqual({ action: "help" });
  });

  test("--version", () => {
    expect(parseArgs(["--version"], CWD)).toEqual({ action: "version" });
    expect(parseArgs(["--become-root", "--version", "ls"], CWD)).toEqual({ action: "version" });
  });

  test("options are processed in order: an error before --help wins", () => {
    usageError(["--bogus", "--help"]);
  });

  test("after -- or the command, --help is an argument", () => {
    expect(spec(["--", "--help"]).command).toEqual(["--help"]);
    expect(spec(["--", "--version"]).command).toEqual(["--version"]);
  });
});

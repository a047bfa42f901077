// Shell completions (scripts/completions.ts): generated from the option
// table, and run for real in bash, fish and zsh (when installed) against a
// directory with a known file and a known subdirectory.

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPTIONS } from "../src/cli/options.ts";
import { bashCompletion, fishCompletion, writeCompletions, zshCompletion } from "../scripts/completions.ts";
import { ROOT } from "./helpers.ts";

const TMP = mkdtempSync("/tmp/tsbox-completions-");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const OUT = join(TMP, "completions");
writeCompletions(OUT);
// Fixtures: a file and a directory that share a prefix.
const FIX = join(TMP, "fix");
mkdirSync(join(FIX, "alpha-dir"), { recursive: true });
writeFileSync(join(FIX, "alpha-file"), "");
const ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: TMP, TSBOX_COMPLETION_PROBE: "1" };

const have = (shell: string) => spawnSync(shell, ["-c", "true"]).status === 0;
const ALL_NAMES = OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? [])]);

test("the files the build installs, each naming every option", () => {
  expect(readFileSync(join(OUT, "tsbox.bash"), "utf8")).toBe(bashCompletion());
  expect(readFileSync(join(OUT, "_tsbox"), "utf8")).toBe(zshCompletion());
  expect(readFileSync(join(OUT, "tsbox.fish"), "utf8")).toBe(fishCompletion());
  for (const name of ALL_NAMES) {
    expect(bashCompletion()).toMatch(new RegExp(`[ "|]${name}[ |)"]`));
    expect(zshCompletion()).toContain(`${name}[`);
    const long = name.startsWith("--") ? `-l ${name.slice(2)} ` : `-s ${name.slice(1)} `;
    expect(fishCompletion()).toContain(long);
  }
});

test("the CLI writes the three files into --outdir", () => {
  const dir = join(TMP, "cli");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "completions.ts"), "--outdir", dir], { encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(["tsbox.bash", "_tsbox", "tsbox.fish"].map((f) => `wrote ${join(dir, f)}\n`).join(""));
});

// ---- bash ------------------------------------------------------------------

/** COMPREPLY for the words given, the last being the one completed, one per line, sorted. */
function bash(words: string[]): string[] {
  const script = `source ${JSON.stringify(join(OUT, "tsbox.bash"))}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_tsbox; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { cwd: FIX, encoding: "utf8", env: ENV });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean).sort();
}

describe("bash", () => {
  test("syntax", () => {
    expect(spawnSync("bash", ["-n", join(OUT, "tsbox.bash")]).status).toBe(0);
  });

  test("--ro completes to --ro-bind and --ro-bind-try (the issue's example)", () => {
    const r = spawnSync("bash", ["-c", `source ${join(OUT, "tsbox.bash")}; COMP_WORDS=(tsbox --ro); COMP_CWORD=1; _tsbox; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(r.stdout).toBe("--ro-bind --ro-bind-try\n");
  });

  test("every option, from a bare dash", () => {
    expect(bash(["tsbox", "-"])).toEqual([...ALL_NAMES].sort());
  });

  test("path values: files and directories; dir values: directories only", () => {
    expect(bash(["tsbox", "--bind", "alp"])).toEqual(["alpha-dir", "alpha-file"]);
    expect(bash(["tsbox", "--bind", "x", "alp"])).toEqual(["alpha-dir", "alpha-file"]); // DST too
    expect(bash(["tsbox", "--chdir", "alp"])).toEqual(["alpha-dir"]);
    expect(bash(["tsbox", "--overlay-upperdir", ""])).toEqual(["alpha-dir", "tmpfs"]);
  });

  test("text values: nothing", () => {
    expect(bash(["tsbox", "--write", "alp"])).toEqual([]);
    expect(bash(["tsbox", "--symlink", "alp"])).toEqual([]);
    expect(bash(["tsbox", "--setenv", "A", "alp"])).toEqual([]);
    expect(bash(["tsbox", "--write", "data", "alp"])).toEqual(["alpha-dir", "alpha-file"]); // its DST is a path
  });

  test("variable names for --setenv and --unsetenv", () => {
    expect(bash(["tsbox", "--unsetenv", "TSBOX_COMPLETION_"])).toEqual(["TSBOX_COMPLETION_PROBE"]);
  });

  test("values are skipped by arity, even when they look like options", () => {
    expect(bash(["tsbox", "--write", "--ro", "/f", "--ro"])).toEqual(["--ro-bind", "--ro-bind-try"]);
    expect(bash(["tsbox", "--setenv", "A", "--bind", "--ro"])).toEqual(["--ro-bind", "--ro-bind-try"]); // "--bind" is VALUE
  });

  test("the command, then its arguments", () => {
    expect(bash(["tsbox", "--unshare-net", "setpri"])).toContain("setpriv");
    expect(bash(["tsbox", "--", "setpri"])).toContain("setpriv");
    expect(bash(["tsbox", "--", "ls", "alp"])).toEqual(["alpha-dir", "alpha-file"]);
    expect(bash(["tsbox", "ls", "--ro"])).toEqual([]); // an argument of ls, not a tsbox option
  });
});

// ---- fish ------------------------------------------------------------------

function fish(line: string): string[] {
  const r = spawnSync("fish", ["--no-config", "-c", `source ${join(OUT, "tsbox.fish")}; complete -C${JSON.stringify(line).replace(/\$/g, "\\$")}`], { cwd: FIX, encoding: "utf8", env: ENV });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!).sort();
}

describe.skipIf(!have("fish"))("fish", () => {
  test("syntax", () => {
    expect(spawnSync("fish", ["--no-execute", join(OUT, "tsbox.fish")]).status).toBe(0);
  });
  test("options", () => {
    expect(fish("tsbox --ro")).toEqual(["--ro-bind", "--ro-bind-try"]);
    expect(fish("tsbox -")).toEqual([...ALL_NAMES].sort());
  });
  test("values by kind", () => {
    expect(fish("tsbox --bind alp")).toEqual(["alpha-dir/", "alpha-file"]);
    expect(fish("tsbox --bind x alp")).toEqual(["alpha-dir/", "alpha-file"]);
    expect(fish("tsbox --chdir alp")).toEqual(["alpha-dir/"]);
    expect(fish("tsbox --overlay-upperdir ")).toEqual(["alpha-dir/", "tmpfs"]);
    expect(fish("tsbox --write alp")).toEqual([]);
    expect(fish("tsbox --setenv A alp")).toEqual([]);
    expect(fish("tsbox --unsetenv TSBOX_COMPLETION_")).toEqual(["TSBOX_COMPLETION_PROBE"]);
    expect(fish("tsbox --write --ro /f --ro")).toEqual(["--ro-bind", "--ro-bind-try"]);
  });
  test("the command, then its arguments", () => {
    expect(fish("tsbox --unshare-net setpri")).toContain("setpriv");
    expect(fish("tsbox -- setpri")).toContain("setpriv");
    expect(fish("tsbox -- ls alp")).toEqual(["alpha-dir/", "alpha-file"]);
  });
});

// ---- zsh -------------------------------------------------------------------

// zsh completes only inside its line editor: drive an interactive zsh on a
// pseudo-terminal (zsh/zpty), record every match compadd would add, and
// stop when the completion system reports it is done.
const ZSH_DRIVER = `zmodload zsh/zpty
out=$1 dir=$2 line=$3
: > $out
zpty z zsh -f -i
zpty -w z "cd \${(q)PWD}; fpath=(\${(q)dir} \\$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { local -a m; builtin compadd -O m \\"\\$@\\"; (( \\$#m )) && print -rl -- \\$m >> \${(q)out}; builtin compadd \\"\\$@\\"; }"
zpty -w z "_tsbox_test_done() { print -r -- '<done>' >> \${(q)out} }; comppostfuncs=(_tsbox_test_done); bindkey '^I' complete-word"
zpty -w -n z "$line"$'\\t'
for i in {1..300}; do grep -q '<done>' $out && break; sleep 0.1; done
zpty -d z
`;

function zsh(line: string): string[] {
  const driver = join(TMP, "zsh-driver.zsh");
  writeFileSync(driver, ZSH_DRIVER);
  const out = join(TMP, "zsh-out");
  const r = spawnSync("zsh", ["-f", driver, out, OUT, line], { cwd: FIX, encoding: "utf8", env: ENV, timeout: 60_000 });
  expect(r.status).toBe(0);
  const got = readFileSync(out, "utf8").split("\n").filter(Boolean);
  expect(got).toContain("<done>"); // the completion ran to its end
  return [...new Set(got.filter((l) => l !== "<done>"))].sort();
}

describe.skipIf(!have("zsh"))("zsh", () => {
  test("syntax", () => {
    expect(spawnSync("zsh", ["-n", join(OUT, "_tsbox")]).status).toBe(0);
  }, 60_000);
  test("options", () => {
    expect(zsh("tsbox --ro")).toEqual(["--ro-bind", "--ro-bind-try"]);
  }, 60_000);
  test("values by kind", () => {
    expect(zsh("tsbox --bind alp")).toEqual(["alpha-dir", "alpha-file"]);
    expect(zsh("tsbox --chdir alp")).toEqual(["alpha-dir"]);
    expect(zsh("tsbox --overlay-upperdir ")).toEqual(["alpha-dir", "tmpfs"]);
    expect(zsh("tsbox --write alp")).toEqual([]);
  }, 60_000);
  test("the command, then its arguments", () => {
    expect(zsh("tsbox --unshare-net setpri")).toContain("setpriv");
    expect(zsh("tsbox -- ls alp")).toEqual(["alpha-dir", "alpha-file"]);
  }, 60_000);
});

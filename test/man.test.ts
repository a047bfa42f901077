// The man page: scripts/man.ts (the markdown -> roff converter) and
// docs/tsbox.1.md (the page), checked against the option table and rendered
// with man(1) the way a user reads it.

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GROUP_ORDER, OPTIONS } from "../src/cli/options.ts";
import { buildManPage, inline, MAN_SOURCE, markdownToRoff } from "../scripts/man.ts";
import { ROOT } from "./helpers.ts";

const META = { source: "tsbox 9.9.9", date: "2000-01-01" };
const TMP = mkdtempSync("/tmp/tsbox-man-");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const PAGE = buildManPage(join(TMP, "tsbox.1"));
const ROFF = readFileSync(PAGE, "utf8");
const MD = readFileSync(MAN_SOURCE, "utf8");

describe("markdownToRoff", () => {
  const conv = (body: string) => markdownToRoff(`% demo(8) | Admin\n\n${body}`, META).split("\n").slice(2).join("\n");

  test("title block", () => {
    expect(markdownToRoff("% demo(8) | System Administration\n", META).split("\n")[0])
      .toBe('.TH "DEMO" "8" "2000-01-01" "tsbox 9.9.9" "System Administration"');
    expect(() => markdownToRoff("# NAME\n", META)).toThrow(/title block/);
  });

  test("headings and paragraphs", () => {
    expect(conv("# NAME\n\ndemo - does things\n\n## Sub part\n\nline one\nline two\n\nnext"))
      .toBe('.SH "NAME"\n.PP\ndemo \\- does things\n.SS "Sub part"\n.PP\nline one\nline two\n.PP\nnext\n');
  });

  test("inline code and bold escape hyphens; italics and plain text do not", () => {
    expect(inline("`--bind` *SRC-DIR* **--x** a-b")).toBe("\\fB\\-\\-bind\\fR \\fISRC-DIR\\fR \\fB\\-\\-x\\fR a-b");
  });

  test("backslashes and lines that start with a control character are escaped", () => {
    expect(inline("a\\b")).toBe("a\\eb");
    expect(conv("text\n.not a request\n'nor this")).toBe(".PP\ntext\n\\&.not a request\n\\&'nor this\n");
  });

  test("definition lists, with a continued body", () => {
    expect(conv("`--dev` *DST*\n:   Sets up\n    a dev.\n\n    More.\n\n`-h`\n:   Help."))
      .toBe(".TP\n\\fB\\-\\-dev\\fR \\fIDST\\fR\nSets up\na dev.\n.IP\nMore.\n.TP\n\\fB\\-h\\fR\nHelp.\n");
  });

  test("code blocks keep spacing, escape backslashes and hyphens", () => {
    expect(conv("```\ntsbox \\\n    --dev /dev\n.x\n```"))
      .toBe(".PP\n.RS 4\n.nf\ntsbox \\e\n    \\-\\-dev /dev\n\\&.x\n.fi\n.RE\n");
    expect(() => conv("```\nunterminated")).toThrow(/unterminated/);
  });

  test("bullet lists", () => {
    expect(conv("- one\n  more\n- two")).toBe(".IP \\(bu 2\none\nmore\n.IP \\(bu 2\ntwo\n");
  });
});

describe("docs/tsbox.1.md", () => {
  const sections = [...ROFF.matchAll(/^\.SH "(.*)"$/gm)].map((m) => m[1]);

  test("has the sections of a man page, in order", () => {
    expect(sections).toEqual(["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES",
      "DIFFERENCES FROM mkosi-sandbox", "SEE ALSO"]);
  });

  /** The roff between `.SH "NAME"` and the next .SH. */
  const section = (name: string) => {
    const start = ROFF.indexOf(`.SH "${name}"\n`);
    const end = ROFF.indexOf("\n.SH ", start + 1);
    return ROFF.slice(start, end < 0 ? undefined : end);
  };

  test("OPTIONS documents every option of the table, under its --help group, with its values", () => {
    const opts = section("OPTIONS");
    const groups = [...opts.matchAll(/^\.SS "(.*)"$/gm)].map((m) => m[1]);
    expect(groups).toEqual([...GROUP_ORDER]);
    for (const o of OPTIONS) {
      const start = opts.indexOf(`.SS "${o.group}"\n`);
      const end = opts.indexOf("\n.SS ", start + 1);
      const group = opts.slice(start, end < 0 ? undefined : end);
      const term = [o.flag, ...(o.aliases ?? [])].map((n) => `\\fB${n.replace(/-/g, "\\-")}\\fR`).join(", ")
        + o.values.map((v) => ` \\fI${v.name}\\fR`).join("");
      expect([o.flag, group.includes(`.TP\n${term}\n`)]).toEqual([o.flag, true]);
    }
  });

  test("OPTIONS documents nothing that is not in the table", () => {
    const terms = [...section("OPTIONS").matchAll(/^\.TP\n(.*)$/gm)].map((m) => m[1]!);
    expect(terms.length).toBe(OPTIONS.length);
    for (const t of terms) {
      const flag = /^\\fB((?:\\-)+[a-z-\\]+)\\fR/.exec(t)?.[1]?.replace(/\\-/g, "-");
      expect(OPTIONS.some((o) => o.flag === flag)).toBe(true);
    }
  });

  test("EXIT STATUS names 125, 126 and 127", () => {
    const s = section("EXIT STATUS");
    for (const n of ["0", "125", "126", "127"]) expect(s).toContain(`.TP\n\\fB${n}\\fR\n`);
  });

  test("EXAMPLES has both mkosi-sandbox examples and both shebang forms", () => {
    const s = section("EXAMPLES");
    expect(s).toContain("tsbox \\-\\-bind / / \\-\\-same\\-dir \\-\\-unshare\\-net\n");
    for (const l of ["\\-\\-ro\\-bind /usr /usr \\e", "\\-\\-symlink usr/lib64 /lib64 \\e", "\\-\\-become\\-root \\e", "    id"]) expect(s).toContain(`${l}\n`);
    expect(s).toContain("#!/usr/bin/env \\-S tsbox ");
    expect(s).toMatch(/^#!\/usr\/local\/bin\/tsbox \\-\\-ro\\-bind/m);
  });

  test("the source has no tabs and no trailing blanks", () => {
    expect(MD).not.toMatch(/\t| +$/m);
  });
});

const HAVE_MAN = spawnSync("man", ["--version"]).status === 0;

describe.skipIf(!HAVE_MAN)("man -l", () => {
  const rendered = spawnSync("man", ["-l", "-P", "cat", PAGE], { encoding: "utf8", env: { ...process.env, MANWIDTH: "80", LANG: "C.UTF-8" } });

  test("renders without errors", () => {
    expect(rendered.status).toBe(0);
    expect(rendered.stderr).toBe("");
    expect(rendered.stdout).toMatch(/^TSBOX\(1\) +User Commands +TSBOX\(1\)$/m);
  });

  test("shows every option with ASCII hyphens, as typed", () => {
    const terms = OPTIONS.map((o) => `${[o.flag, ...(o.aliases ?? [])].join(", ")}${o.values.map((v) => ` ${v.name}`).join("")}`);
    expect(terms).toContain("--help, -h");
    expect(terms.filter((t) => !rendered.stdout.includes(`\n       ${t}\n`))).toEqual([]);
  });

  test("groff finds nothing to warn about", () => {
    const g = spawnSync("groff", ["-man", "-ww", "-z", PAGE], { encoding: "utf8" });
    expect(g.stderr).toBe("");
    expect(g.status).toBe(0);
  });

  test("whatis/lexgrog can read the NAME line", () => {
    const l = spawnSync("lexgrog", [PAGE], { encoding: "utf8" });
    if (l.error) return; // lexgrog is part of man-db; tolerate its absence
    expect(l.stdout.trim()).toBe(`${PAGE}: "tsbox - run a command in a custom Linux sandbox"`);
  });
});

test("bun scripts/man.ts --out FILE writes the same page", () => {
  const out = join(TMP, "cli.1");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "man.ts"), "--out", out], { encoding: "utf8", env: { ...process.env, SOURCE_DATE_EPOCH: "946684800" } });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`wrote ${out}\n`);
  const lines = readFileSync(out, "utf8").split("\n");
  expect(lines[0]).toMatch(/^\.TH "TSBOX" "1" "2000-01-01" "tsbox \d+\.\d+\.\d+" "User Commands"$/);
  expect(lines.slice(1).join("\n")).toBe(ROFF.split("\n").slice(1).join("\n"));
});

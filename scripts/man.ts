// A small markdown -> roff (man(7)) converter for docs/tsbox.1.md, so the man
// page needs no pandoc. It knows the subset that page uses:
//
//   % name(section) | Manual title         title block (first line)
//   # NAME, ## Subsection                  .SH, .SS
//   paragraphs                             .PP
//   `term` *ARG*                            definition list (pandoc style):
//   :   body...                            .TP; a blank line then an indented
//       more body...                       paragraph continues the body (.IP)
//   - item (continuation indented)         bullet list (.IP \(bu)
//   ``` ... ```                             code block (.nf, indented)
//   `code`, **bold**, *italic*             \fB..\fR, \fB..\fR, \fI..\fR
//
// Hyphens inside code and bold become \- (so options render as, and copy
// as, ASCII "--"); a backslash becomes \e; a line that would start with "."
// or "'" is protected with \&.
//
//   bun scripts/man.ts [--out FILE]     (default: dist/tsbox.1)

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ManMeta {
  /** Shown in the footer, e.g. "tsbox 0.1.0". */
  readonly source: string;
  /** Shown in the footer; "" for none. */
  readonly date: string;
}

/** Escape plain text for roff; `code` also turns "-" into "\-". */
function esc(text: string, code: boolean): string {
  const t = text.replace(/\\/g, "\\e");
  return code ? t.replace(/-/g, "\\-") : t;
}

const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*/g;

/** Inline markup of one block of text (which may span lines). */
export function inline(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += esc(text.slice(last, m.index), false);
    if (m[1] !== undefined) out += `\\fB${esc(m[1], true)}\\fR`;
    else if (m[2] !== undefined) out += `\\fB${esc(m[2], true)}\\fR`;
    else out += `\\fI${esc(m[3]!, false)}\\fR`;
    last = m.index! + m[0].length;
  }
  return out + esc(text.slice(last), false);
}

/** Text lines for roff: trimmed, none starting with a control character. */
function textLines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").map((l) => (/^[.']/.test(l) ? `\\&${l}` : l));
}

function quoteArg(s: string): string {
  return `"${s.replace(/"/g, '\\(dq')}"`;
}

const isBlank = (l: string | undefined) => l === undefined || l.trim() === "";
const isFence = (l: string | undefined) => l !== undefined && /^\s*```/.test(l);
const isHeading = (l: string | undefined) => l !== undefined && /^#{1,2} /.test(l);
const isBullet = (l: string | undefined) => l !== undefined && /^[-*] /.test(l);
const isDefBody = (l: string | undefined) => l !== undefined && /^:\s{1,}/.test(l);

export function markdownToRoff(md: string, meta: ManMeta): string {
  const lines = md.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;

  const title = /^%\s*([^\s(|]+)\((\w+)\)\s*(?:\|\s*(.*?))?\s*$/.exec(lines[0] ?? "");
  if (!title) throw new Error('markdown: the first line must be a title block: "% name(section) | Manual"');
  out.push(`.TH ${[title[1]!.toUpperCase(), title[2]!, meta.date, meta.source, title[3] ?? ""].map(quoteArg).join(" ")}`);
  out.push(".nh"); // no hyphenation: option names, paths and variable names must stay whole
  i = 1;

  /** Lines of a block until a blank line or a line that starts something else. */
  const collect = (first: string, stop: (l: string) => boolean): string[] => {
    const got = [first];
    while (i < lines.length && !isBlank(lines[i]) && !stop(lines[i]!)) got.push(lines[i++]!);
    return got;
  };
  /** A code block (the opening fence is read); inside a definition body it is indented by 4 more. */
  const code = (inDefinition: boolean) => {
    const body: string[] = [];
    while (i < lines.length && !isFence(lines[i])) body.push(lines[i++]!);
    if (i >= lines.length) throw new Error("markdown: unterminated ``` block");
    i++; // closing fence
    out.push(...(inDefinition ? [".IP"] : [".PP", ".RS 4"]), ".nf");
    for (const l of body) {
      const e = esc(inDefinition ? l.replace(/^ {4}/, "") : l, true);
      out.push(/^[.']/.test(e) ? `\\&${e}` : e);
    }
    out.push(".fi", ...(inDefinition ? [] : [".RE"]));
  };

  while (i < lines.length) {
    const line = lines[i++]!;
    if (isBlank(line)) continue;
    if (isFence(line)) { code(false); continue; }
    const h = /^(#{1,2}) (.*)$/.exec(line);
    if (h) {
      out.push(`${h[1] === "#" ? ".SH" : ".SS"} ${quoteArg(inline(h[2]!.trim()))}`);
      continue;
    }
    if (isBullet(line)) {
      const item = collect(line.replace(/^[-*] /, ""), (l) => isBullet(l) || isHeading(l) || isFence(l));
      out.push(".IP \\(bu 2", ...textLines(inline(item.join("\n"))));
      continue;
    }
    if (isDefBody(lines[i])) {
      // A definition: this line is the term, the ":" line starts the body.
      out.push(".TP", ...textLines(inline(line)));
      let para = collect(lines[i++]!.replace(/^:\s+/, ""), (l) => isDefBody(l) || isHeading(l) || isFence(l));
      out.push(...textLines(inline(para.join("\n"))));
      // Further paragraphs of the same body are indented by 4 or more.
      while (isBlank(lines[i]) && /^ {4}\S/.test(lines[i + 1] ?? "")) {
        i++;
        if (isFence(lines[i])) { i++; code(true); continue; }
        para = collect(lines[i++]!, (l) => !/^ {2}/.test(l));
        out.push(".IP", ...textLines(inline(para.join("\n"))));
      }
      continue;
    }
    const para = collect(line, (l) => isHeading(l) || isFence(l) || isBullet(l));
    let text = textLines(inline(para.join("\n")));
    // NAME: "name \- summary" is what whatis(1) and lexgrog(1) read.
    if (out[out.length - 1] === '.SH "NAME"') text = text.map((l) => l.replace(/ - /, " \\- "));
    out.push(".PP", ...text);
  }
  return `${out.join("\n")}\n`;
}

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const MAN_SOURCE = join(ROOT, "docs", "tsbox.1.md");

/** The date for the footer: from SOURCE_DATE_EPOCH (reproducible builds), else none. */
function footerDate(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString().slice(0, 10) : "";
}

export function buildManPage(out: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  const roff = markdownToRoff(readFileSync(MAN_SOURCE, "utf8"), { source: `tsbox ${pkg.version}`, date: footerDate() });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, roff);
  return out;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const out = at >= 0 && args[at + 1] ? args[at + 1]! : join(ROOT, "dist", "tsbox.1");
  console.log(`wrote ${buildManPage(out)}`);
}

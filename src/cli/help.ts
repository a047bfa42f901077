// --help text, grouped like the man page, from the option table.

import { GROUP_ORDER, OPTIONS } from "./options.ts";

export function helpText(color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const lines = [
    `${bold("Usage:")} tsbox [OPTION...] [--] [COMMAND [ARGUMENT...]]`,
    "",
    "Run COMMAND (default: bash) in a sandbox assembled from the options, in order.",
  ];
  for (const group of GROUP_ORDER) {
    lines.push("", bold(`${group}:`));
    for (const o of OPTIONS.filter((x) => x.group === group)) {
      const names = [...(o.aliases ?? []), o.flag].join(", ");
      const left = `  ${names}${o.values.map((v) => ` ${v.name}`).join("")}`;
      lines.push(left.length < 34 ? `${left.padEnd(34)}${o.help}` : `${left}\n${" ".repeat(34)}${o.help}`);
    }
  }
  lines.push(
    "",
    `${bold("Exit status:")} the command's own; 125 if tsbox fails (usage or setup), 126 if the command`,
    "cannot be run, 127 if it is not found.",
  );
  return `${lines.join("\n")}\n`;
}

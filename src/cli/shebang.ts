// Shebang lines that name tsbox directly as their interpreter.
//
// For a script that starts with
//
//     #!/usr/local/bin/tsbox --ro-bind / / -- /bin/sh
//
// Linux (fs/binfmt_script.c) runs `/usr/local/bin/tsbox`, ARG, SCRIPT,
// SCRIPT-ARGS..., where ARG is *everything* after the interpreter path as a
// single argument ("--ro-bind / / -- /bin/sh", leading and trailing blanks
// removed, inner blanks kept). `#!/usr/bin/env -S tsbox ...` splits that
// argument itself; this module does the same for the direct form.
//
// The rule, chosen so that it can never misread an ordinary command line:
//
//   argv[0] is split when, and only when, it starts with "--" AND contains a
//   space or a tab. Everything after argv[0] is kept verbatim.
//
// Why that is safe: an ordinary first argument is an option, "--", or the
// command. An option name never contains whitespace, and option values are
// always separate arguments (mkosi-sandbox has no --opt=value form), so an
// argument that starts with "--" and contains a blank is not a valid option:
// without this rule the parser rejects it as unknown. The command cannot be
// first and start with "-" either (the parser would take it for an option).
// So the rule only ever turns a command line that would fail into one that
// works, and a line that was already expanded (e.g. the single-thread
// re-exec's) starts with a valid option or "--" and is left alone.
//
// Splitting is like `env -S` and sh: words are separated by blanks (space,
// tab, CR, LF, VT, FF); '...' quotes literally; "..." quotes, and inside it a
// backslash escapes only `"` and `\`; outside quotes a backslash makes the
// next character literal ("\ " is a space inside a word). '' and "" give an
// empty word. Unlike env -S there is no ${VAR} expansion, no \c, no \n-style
// escapes and no # comments. An unterminated quote or a trailing backslash is
// a usage error.
//
// Note for script authors: Linux reads at most 255 bytes of the #! line, and
// the direct form needs an explicit command (`-- /bin/sh`): with options
// only, the script itself would become the command and run tsbox again.

import { UsageError } from "../errors.ts";

const BLANK = /[ \t\r\n\v\f]/;

/** True when argv[0] is a whole shebang argument that needs splitting (see above). */
export function isShebangArgument(arg: string | undefined): boolean {
  return arg !== undefined && arg.startsWith("--") && /[ \t]/.test(arg);
}

/** Split one string into words, like `env -S` (see the top of this file). */
export function splitShebang(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const fail = (what: string): never => {
    throw new UsageError(`shebang argument ${JSON.stringify(line)}: ${what}`);
  };
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) fail("unterminated ' quote");
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) fail('unterminated " quote');
        const d = line[i]!;
        if (d === '"') { i++; break; }
        if (d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === "\\") {
      if (i + 1 >= line.length) fail("backslash at the end");
      word += line[i + 1];
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The command line tsbox should parse: argv (process.argv.slice(2)) with a
 * shebang argument in argv[0] split into words, or argv itself when the rule
 * at the top of this file does not apply.
 */
export function expandShebang(argv: readonly string[]): readonly string[] {
  if (!isShebangArgument(argv[0])) return argv;
  return [...splitShebang(argv[0]!), ...argv.slice(1)];
}

// The errors tsbox reports. Each becomes exactly one line on stderr and
// exit status 125 (EXIT_SETUP) in the CLI; nothing else escapes as a trace.

export const EXIT_SETUP = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

/** Control characters (a newline in a path, say) shown as escapes, so a message stays one line. */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : c === "\r" ? "\\r" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

/** A bad command line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Setting up the sandbox failed; `message` names the option, path and reason. */
export class SetupError extends Error {
  override readonly name = "SetupError";
}

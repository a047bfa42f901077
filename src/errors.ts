// The errors tsbox reports. Each becomes exactly one line on stderr and
// exit status 125 (EXIT_SETUP) in the CLI; nothing else escapes as a trace.

export const EXIT_SETUP = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

/** A bad command line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Setting up the sandbox failed; `message` names the option, path and reason. */
export class SetupError extends Error {
  override readonly name = "SetupError";
}

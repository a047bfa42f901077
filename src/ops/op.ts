// What every filesystem operation is: a small value that knows its place in
// the plan, can describe itself (for --debug and for errors) and can execute
// itself against the sandbox being built.

import { SysError } from "../kernel/sys.ts";

export interface BuildContext {
  /** O_PATH fd of the host's root (the old root, kept under the staging tmpfs). */
  readonly hostRoot: number;
  /** Where the host's root is by path from the process root ("/oldroot", or "" when built in place). */
  readonly hostRootPath: string;
  /** O_PATH fd of the top of the new root; `refreshRoot` re-opens it after a mount on "/". */
  root: number;
  refreshRoot(): void;
  /** O_PATH fd and path of a private scratch directory outside the new root. */
  readonly scratch: number;
  readonly scratchPath: string;
  /** A counter for unique scratch names. */
  nextId(): number;
}

export interface FsOp {
  /** The destination inside the sandbox, absolute and normalised. */
  readonly dst: string;
  /** Ordering class: 0 = not a bind, 1 = a bind, 2 = a bind with a "+" source. */
  readonly rank: 0 | 1 | 2;
  /** The operation as the user would write it, e.g. "--bind /x /y". */
  describe(): string;
  execute(ctx: BuildContext): void;
}

/**
 * A failed operation step: `path` is what the user would recognise (a source,
 * destination or layer), `cause` the failed system call.
 */
export class OpError extends Error {
  override readonly name = "OpError";
  constructor(readonly path: string, override readonly cause: SysError | string) {
    super(typeof cause === "string" ? `${path}: ${cause}` : `${path}: ${explain(cause)}`);
  }
}

const PLAIN_LOOKUP_ERRORS = new Set([2 /* ENOENT */, 20 /* ENOTDIR */, 40 /* ELOOP */, 13 /* EACCES */]);

/** Plain words for a lookup the user caused; the call and errno name otherwise. */
function explain(e: SysError): string {
  const lookup = e.syscall === "openat2" || e.syscall === "openat";
  return lookup && PLAIN_LOOKUP_ERRORS.has(e.errno) ? e.reason : e.message;
}

/** Run `f`, turning a SysError into an OpError about `path`. */
export function at<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SysError) throw new OpError(path, e);
    throw e;
  }
}

/** --dir and --tmpfs rule: a path ending in /tmp (so also /var/tmp) is 1777, else 0755. */
export function dirMode(path: string): number {
  return path === "/tmp" || path.endsWith("/tmp") ? 0o1777 : 0o755;
}

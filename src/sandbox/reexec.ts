// The single-thread re-exec.
//
// The kernel refuses unshare(CLONE_NEWUSER) to a multi-threaded process, and
// the Bun runtime starts helper threads (JIT workers, GC markers, the
// allocator's scavenger) before any JavaScript runs. The variables below,
// present in the environment when the process starts, make it start none;
// setting them from JavaScript is too late. So when a user namespace is
// needed and there is more than one thread, tsbox execve()s itself (same
// pid, same fds) with them set. The second run puts the caller's own values
// back before anything else reads the environment, so they never reach the
// sandboxed command. Runs that need no user namespace (root) skip all this.

import * as sys from "../kernel/sys.ts";
import { SetupError } from "../errors.ts";

export const singleThreadEnv: Readonly<Record<string, string>> = {
  BUN_JSC_useConcurrentJIT: "0",
  BUN_JSC_warmUpMarkedBlockCount: "0",
  BUN_JSC_numberOfGCMarkers: "1",
  MIMALLOC_PURGE_DELAY: "-1",
};

/** Holds the caller's values of the variables above, as JSON; present only in the second run. */
const MARKER = "TSBOX_INTERNAL_REEXEC";

/** True in the second run. Restores the caller's environment as a side effect. */
export function restoreEnvironmentAfterReexec(): boolean {
  const saved = process.env[MARKER];
  if (saved === undefined) return false;
  delete process.env[MARKER];
  const original = JSON.parse(saved) as Record<string, string | null>;
  for (const k of Object.keys(singleThreadEnv)) {
    const v = original[k];
    if (v === null || v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return true;
}

/** The argv that runs this same program with the same arguments. */
function selfArgv(args: readonly string[]): { path: string; argv: string[] } {
  const script = process.argv[1] ?? "";
  // A compiled binary reports its entry point as /$bunfs/...: the binary is the program.
  const compiled = script.startsWith("/$bunfs/") || script.startsWith("B:/~BUN/");
  const self = "/proc/self/exe";
  return compiled
    ? { path: self, argv: [process.argv0, ...args] }
    : { path: self, argv: [process.execPath, script, ...args] };
}

export function reexecSingleThreaded(args: readonly string[]): never {
  const saved: Record<string, string | null> = {};
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.set(k, v);
  for (const [k, v] of Object.entries(singleThreadEnv)) {
    saved[k] = process.env[k] ?? null;
    env.set(k, v);
  }
  env.set(MARKER, JSON.stringify(saved));
  const { path, argv } = selfArgv(args);
  const errno = sys.execve(path, argv, [...env].map(([k, v]) => `${k}=${v}`));
  throw new SetupError(`re-executing ${path} to drop the runtime's threads: ${new sys.SysError("execve", errno).message}`);
}

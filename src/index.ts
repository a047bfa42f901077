// tsbox as a library: set up a sandbox around the current Bun process.
//
//   import { enter } from "tsbox";
//   enter(["--become-root", "--ro-bind", "/", "/", "--tmpfs", "/tmp"]);
//   // from here on this thread runs in the sandbox
//
// Only the calling (main) thread enters the sandbox: namespaces and the root
// are per thread until execve. Work that Bun runs on other threads (any async
// fs API, Bun.spawn's helpers, workers) still sees the host, so use the
// synchronous APIs afterwards. When a user namespace is needed (not root, or
// --become-root), the kernel demands a single-threaded process: start the
// program with the variables in `singleThreadEnv` set in its environment
// (e.g. `env BUN_JSC_useConcurrentJIT=0 ... bun app.ts`), and start no
// workers before calling enter().

import { parseArgs } from "./cli/parse.ts";
import { UsageError } from "./errors.ts";
import { setUpSandbox, type Entered } from "./sandbox/enter.ts";
import { commandEnvironment } from "./sandbox/exec.ts";
import { identity } from "./sandbox/namespaces.ts";
import { loadSeccompFilter } from "./sandbox/seccomp.ts";

export { singleThreadEnv } from "./sandbox/reexec.ts";
export { parseArgs } from "./cli/parse.ts";
export { plan } from "./plan/plan.ts";
export { SetupError, UsageError } from "./errors.ts";
export type { SandboxSpec, FsRequest } from "./spec.ts";

/** Set up the sandbox described by `options` (no command) in this process, and return. */
export function enter(options: readonly string[]): Entered {
  const parsed = parseArgs(options, process.cwd());
  if (parsed.action !== "run") throw new UsageError("enter(): --help and --version have no meaning here");
  const spec = parsed.spec;
  if (spec.command.length > 0) throw new UsageError(`enter(): takes options only, not a command (${spec.command[0]})`);
  if (spec.suspend || spec.packFds) throw new UsageError("enter(): --suspend and --pack-fds only apply to a command");
  const entered = setUpSandbox(spec, identity(), (l) => process.stderr.write(`tsbox: debug: ${l}\n`));
  const env = commandEnvironment(process.env, spec.setenv, spec.unsetenv);
  for (const k of Object.keys(process.env)) if (!env.has(k)) delete process.env[k];
  for (const [k, v] of env) process.env[k] = v;
  loadSeccompFilter(spec, entered.singleUid);
  return entered;
}

export type { Entered };

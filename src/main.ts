// The tsbox command: parse, set up the sandbox, exec the command in place.

import pkg from "../package.json" with { type: "json" };
import { helpText } from "./cli/help.ts";
import { parseArgs } from "./cli/parse.ts";
import { expandShebang } from "./cli/shebang.ts";
import { EXIT_SETUP, oneLine, SetupError, UsageError } from "./errors.ts";
import * as sys from "./kernel/sys.ts";
import { SysError } from "./kernel/sys.ts";
import { setUpSandbox } from "./sandbox/enter.ts";
import { callerFds, commandEnvironment, ExecError, execPrepared, keepAcrossExec, packFds, prepareExec, suspendSelf } from "./sandbox/exec.ts";
import { identity, keepCapabilitiesAcrossExec } from "./sandbox/namespaces.ts";
import { reexecSingleThreaded, restoreEnvironmentAfterReexec } from "./sandbox/reexec.ts";
import { loadSeccompFilter } from "./sandbox/seccomp.ts";
import { debugLog } from "./trace.ts";

function write(fd: number, text: string): void {
  try {
    sys.writeAll(fd, new TextEncoder().encode(text));
  } catch {
    // nowhere left to report to
  }
}

function say(line: string): void {
  write(2, `tsbox: ${oneLine(line)}\n`);
}

export function main(args: readonly string[]): number {
  const second = restoreEnvironmentAfterReexec();
  // A #!/path/to/tsbox line hands over all its options as one argument.
  const parsed = parseArgs(expandShebang(args), process.cwd());
  if (parsed.action === "help") {
    write(1, helpText(sys.isatty(1)));
    return 0;
  }
  if (parsed.action === "version") {
    write(1, `tsbox ${pkg.version}\n`);
    return 0;
  }
  const spec = parsed.spec;
  const id = identity();
  const inherited = callerFds();
  const log = spec.debug ? debugLog() : undefined;
  const reexec = second ? undefined : () => {
    log?.("more than one thread: re-executing with the single-thread runtime settings");
    keepAcrossExec(inherited);
    return reexecSingleThreaded(args);
  };

  log?.(`parsed ${args.length} arguments${second ? " (after the single-thread re-exec)" : ""}`);
  const entered = setUpSandbox(spec, id, log ?? (() => {}), reexec);

  const env = commandEnvironment(process.env, spec.setenv, spec.unsetenv);
  keepCapabilitiesAcrossExec(entered.uid);
  loadSeccompFilter(spec, entered.singleUid, log);
  if (spec.packFds) {
    env.set("LISTEN_FDS", String(packFds(inherited)));
    env.set("LISTEN_PID", String(sys.getpid()));
  } else {
    keepAcrossExec(inherited);
  }
  const exec = prepareExec(spec.command.length > 0 ? spec.command : ["bash"], env);
  log?.("exec");
  // The runtime ignores SIGPIPE and SIGXFSZ and ignored dispositions survive
  // execve; the command must start with every signal at its default.
  sys.resetSignals();
  if (spec.suspend) suspendSelf();
  execPrepared(exec);
}

export function run(): never {
  let status: number;
  try {
    status = main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ExecError) {
      say(e.message);
      status = e.status;
    } else if (e instanceof UsageError || e instanceof SetupError || e instanceof SysError) {
      say(e.message);
      status = EXIT_SETUP;
    } else {
      say(`internal error: ${e instanceof Error ? e.message : String(e)}`);
      status = EXIT_SETUP;
    }
  }
  process.exit(status);
}

if (import.meta.main) run();

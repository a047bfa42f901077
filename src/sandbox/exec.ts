// The last steps: the command's environment, its file descriptors, a clean
// signal state, and execve in place (the pid the caller started becomes the
// command; nothing supervises it).

import * as C from "../kernel/constants.ts";
import { EACCES, ENOENT, ENOEXEC, ENOTDIR } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, oneLine, SetupError } from "../errors.ts";
import { strerror } from "../kernel/errno.ts";

/** The environment after every --setenv, then every --unsetenv. */
export function commandEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  setenv: readonly (readonly [string, string])[],
  unsetenv: readonly string[],
): Map<string, string> {
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env.set(k, v);
  for (const [k, v] of setenv) env.set(k, v);
  for (const k of unsetenv) env.delete(k);
  return env;
}

/**
 * The caller's file descriptors from 3 up. The Bun runtime marks every fd
 * from 4 up close-on-exec before any JavaScript runs (close_range with
 * CLOSE_RANGE_CLOEXEC), so the flag cannot tell them apart; what the
 * runtime itself opens at start-up is its event loop: an epoll instance
 * watching an eventfd. Every other fd open now is the caller's. Call this
 * before tsbox opens anything itself.
 */
export function callerFds(): number[] {
  const names = sys.listDirectory("/proc/self/fd");
  // No /proc: only what is still inheritable can be told apart.
  if (names === undefined) return probeInheritable();
  const listed = names.map(Number).filter((n) => n >= 3);
  const open = listed.filter((fd) => { try { sys.fcntl(fd, C.F_GETFD); return true; } catch { return false; } });
  if (open.length === 0) return [];
  const link = (fd: number) => { try { return sys.readlinkat(C.AT_FDCWD, `/proc/self/fd/${fd}`); } catch { return ""; } };
  const links = new Map(open.map((fd) => [fd, link(fd)]));
  const runtime = new Set<number>();
  for (const [fd, target] of links) {
    if (target !== "anon_inode:[eventpoll]") continue;
    const info = sys.readTextFile(`/proc/self/fdinfo/${fd}`) ?? "";
    for (const m of info.matchAll(/^tfd:\s*(\d+)/gm)) {
      const watched = Number(m[1]);
      if (links.get(watched) === "anon_inode:[eventfd]") { runtime.add(fd); runtime.add(watched); }
    }
  }
  return open.filter((fd) => !runtime.has(fd)).sort((a, b) => a - b);
}

function probeInheritable(): number[] {
  const out: number[] = [];
  for (let fd = 3; fd < 1024; fd++) {
    try { if ((sys.fcntl(fd, C.F_GETFD) & C.FD_CLOEXEC) === 0) out.push(fd); } catch { /* not open */ }
  }
  return out;
}

/** Let `fds` survive the next execve. */
export function keepAcrossExec(fds: readonly number[]): void {
  for (const fd of fds) sys.fcntl(fd, C.F_SETFD, 0);
}

/** --pack-fds: move the inherited fds down to 3, 4, ... in order; returns how many. */
export function packFds(fds: readonly number[]): number {
  let next = 3;
  for (const fd of fds) {
    // Targets only move down, so an fd not yet moved is never overwritten.
    if (fd !== next) {
      sys.dup3(fd, next, 0); // the new fd is inheritable: dup3 without O_CLOEXEC
      sys.close(fd);
    } else {
      sys.fcntl(fd, C.F_SETFD, 0);
    }
    next++;
  }
  return fds.length;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export class ExecError extends Error {
  override readonly name = "ExecError";
  constructor(message: string, readonly status: number) { super(message); }
}

export interface PreparedExec {
  readonly attempts: readonly { readonly direct: sys.ExecveArgs; readonly viaShell: sys.ExecveArgs }[];
  readonly notFound: Uint8Array;
  readonly denied: Uint8Array;
  readonly name: string;
}

/**
 * execvp's search rules against the sandbox's PATH, resolved before the
 * signal state is reset: a name with a "/" is used as is, otherwise every
 * PATH entry where the name exists is a candidate. Everything the exec needs
 * is allocated here, so that after resetSignals() no JavaScript allocation
 * (and so no garbage collection, which signals threads) runs.
 */
export function prepareExec(command: readonly string[], env: Map<string, string>): PreparedExec {
  const envp = sys.cstrArray([...env].map(([k, v]) => `${k}=${v}`));
  const name = command[0]!;
  const candidates = name.includes("/")
    ? [name]
    : (env.get("PATH") ?? DEFAULT_PATH).split(":").map((d) => `${d === "" ? "." : d}/${name}`).filter((p) => sys.accessible(p, 0 /* F_OK */) === 0);
  if (candidates.length === 0) throw new ExecError(`${name}: command not found`, EXIT_NOT_FOUND);
  const enc = new TextEncoder();
  const shown = oneLine(name);
  return {
    name: shown,
    attempts: candidates.map((path) => ({
      direct: sys.execveArgs(path, command, envp),
      // A file without a #! line runs under /bin/sh, as execvp does.
      viaShell: sys.execveArgs("/bin/sh", ["/bin/sh", path, ...command.slice(1)], envp),
    })),
    notFound: enc.encode(`tsbox: ${shown}: command not found\n`),
    denied: enc.encode(`tsbox: ${shown}: ${strerror(EACCES)}\n`),
  };
}

/** Run the prepared command in place; on failure report and leave with 126 or 127. */
export function execPrepared(p: PreparedExec): never {
  let denied = false;
  for (const a of p.attempts) {
    let errno = sys.execvePrepared(a.direct);
    if (errno === ENOEXEC) errno = sys.execvePrepared(a.viaShell);
    if (errno === ENOENT || errno === ENOTDIR) continue;
    if (errno === EACCES) { denied = true; continue; }
    writeQuietly(new TextEncoder().encode(`tsbox: ${p.name}: ${strerror(errno)}\n`));
    sys.exitGroup(EXIT_NOT_EXECUTABLE);
  }
  writeQuietly(denied ? p.denied : p.notFound);
  sys.exitGroup(denied ? EXIT_NOT_EXECUTABLE : EXIT_NOT_FOUND);
}

function writeQuietly(msg: Uint8Array): void {
  try { sys.writeAll(2, msg); } catch { /* stderr is gone */ }
}

export function chdirInside(dir: string): void {
  try {
    sys.chdir(dir);
  } catch (e) {
    if (e instanceof sys.SysError) throw new SetupError(`${dir === "/" ? "chdir" : "--chdir"} ${dir}: ${e.reason}`);
    throw e;
  }
}

export function suspendSelf(): void {
  sys.kill(sys.getpid(), C.SIGSTOP);
}

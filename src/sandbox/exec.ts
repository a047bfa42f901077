// The last steps: the command's environment, its file descriptors, a clean
// signal state, and execve in place (the pid the caller started becomes the
// command; nothing supervises it).

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as C from "../kernel/constants.ts";
import { EACCES, ENOENT, ENOEXEC, ENOTDIR } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, SetupError } from "../errors.ts";
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
  let listed: number[];
  try {
    listed = readdirSync("/proc/self/fd").map(Number).filter((n) => n >= 3);
  } catch {
    // No /proc: only what is still inheritable can be told apart.
    return probeInheritable();
  }
  const open = listed.filter((fd) => { try { sys.fcntl(fd, C.F_GETFD); return true; } catch { return false; } });
  const link = (fd: number) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ""; } };
  const links = new Map(open.map((fd) => [fd, link(fd)]));
  const runtime = new Set<number>();
  for (const [fd, target] of links) {
    if (target !== "anon_inode:[eventpoll]") continue;
    let info = "";
    try { info = readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"); } catch { continue; }
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

/**
 * execve with execvp's search rules against the sandbox's PATH: a name with
 * a "/" is used as is; a file that exists but cannot be run is 126, none
 * found is 127; a file without a #! line runs under /bin/sh.
 */
export function execCommand(command: readonly string[], env: Map<string, string>): never {
  const envp = [...env].map(([k, v]) => `${k}=${v}`);
  const name = command[0]!;
  const candidates = name.includes("/") ? [name] : (env.get("PATH") ?? DEFAULT_PATH).split(":").map((d) => `${d === "" ? "." : d}/${name}`);
  let denied: number | undefined;
  for (const path of candidates) {
    const errno = sys.execve(path, command, envp);
    if (errno === ENOEXEC) {
      const sh = sys.execve("/bin/sh", ["/bin/sh", path, ...command.slice(1)], envp);
      throw new ExecError(`${name}: cannot run /bin/sh for a script without #!: ${strerror(sh)}`, EXIT_NOT_EXECUTABLE);
    }
    if (errno === ENOENT || errno === ENOTDIR) continue;
    if (errno === EACCES) { denied = errno; continue; }
    throw new ExecError(`${name}: ${strerror(errno)}`, EXIT_NOT_EXECUTABLE);
  }
  if (denied !== undefined) throw new ExecError(`${name}: ${strerror(denied)}`, EXIT_NOT_EXECUTABLE);
  throw new ExecError(`${name}: command not found`, EXIT_NOT_FOUND);
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

// Namespaces, identity and capabilities.

import * as C from "../kernel/constants.ts";
import { EINVAL, ENOSPC, EPERM, EACCES } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { SetupError } from "../errors.ts";

export interface Identity {
  readonly uid: number;
  readonly gid: number;
  readonly hasSysAdmin: boolean;
}

export function identity(): Identity {
  const caps = sys.capget();
  return { uid: sys.getuid(), gid: sys.getgid(), hasSysAdmin: ((caps.effective >> BigInt(C.CAP_SYS_ADMIN)) & 1n) === 1n };
}

/** A user namespace is needed to mount without CAP_SYS_ADMIN, or to become uid 0. */
export function needsUserNamespace(id: Identity, becomeRoot: boolean): boolean {
  return !id.hasSysAdmin || (becomeRoot && id.uid !== 0);
}

/** The "Threads:" line of /proc/self/status, or undefined without /proc. */
export function threadCount(): number | undefined {
  const status = sys.readTextFile("/proc/self/status");
  const m = status === undefined ? null : /\nThreads:\s*(\d+)/.exec(status);
  return m ? Number(m[1]) : undefined;
}

/**
 * The kernel refuses unshare(CLONE_NEWUSER) with EINVAL to a process with
 * more than one thread. tsbox re-executes itself with runtime settings that
 * start no helper threads (see reexec.ts), so the count is 1 here; a thread
 * that has just exited can linger in the count for a moment, so wait briefly
 * before giving up.
 */
export function assertSingleThreaded(): void {
  for (let i = 0; i < 200; i++) {
    const n = threadCount();
    if (n === undefined || n === 1) return;
    sys.schedYield();
  }
  throw new SetupError(
    `cannot create a user namespace: this process has ${threadCount()} threads and the kernel requires exactly one ` +
      "(in a library caller, start Bun with the variables in singleThreadEnv, or run as root)",
  );
}

const USERNS_HELP =
  "unprivileged user namespaces are unavailable here; check the sysctls user.max_user_namespaces (must be > 0), " +
  "kernel.unprivileged_userns_clone (must be 1, where it exists) and kernel.apparmor_restrict_unprivileged_userns " +
  "(must be 0, or an AppArmor profile must allow tsbox), or run tsbox as root";

/**
 * unshare(2), with each refusal explained. Returns false (nothing changed)
 * when a user namespace was refused for a second thread and `canRetry`.
 */
export function unshareNamespaces(flags: number, canRetry = false): boolean {
  try {
    sys.unshare(flags);
    return true;
  } catch (e) {
    if (!(e instanceof SysError)) throw e;
    const user = (flags & C.CLONE_NEWUSER) !== 0;
    if (user && e.errno === EINVAL && canRetry) return false;
    if (user && (e.errno === ENOSPC || e.errno === EPERM || e.errno === EACCES))
      throw new SetupError(`unshare(CLONE_NEWUSER): ${e.message}: ${USERNS_HELP}${e.errno === ENOSPC ? "" : "; a seccomp policy or a container runtime may also forbid unshare"}`);
    if (user && e.errno === EINVAL)
      throw new SetupError(`unshare(CLONE_NEWUSER): ${e.reason}: the process is multi-threaded (threads: ${threadCount() ?? "unknown"})`);
    const which = [
      [C.CLONE_NEWUSER, "CLONE_NEWUSER"], [C.CLONE_NEWNS, "CLONE_NEWNS"], [C.CLONE_NEWNET, "CLONE_NEWNET"], [C.CLONE_NEWIPC, "CLONE_NEWIPC"],
    ].filter(([f]) => (flags & (f as number)) !== 0).map(([, n]) => n).join("|");
    throw new SetupError(`unshare(${which}): ${e.message}${e.errno === EPERM || e.errno === 38 ? " (a seccomp policy or a container runtime may forbid it)" : ""}`);
  }
}

function writeProcFile(path: string, data: string): void {
  let fd: number;
  try {
    fd = sys.openat(C.AT_FDCWD, path, C.O_WRONLY);
  } catch (e) {
    if (e instanceof SysError) throw new SetupError(`${path}: ${e.reason}${e.errno === 2 ? " (is /proc mounted?)" : ""}`);
    throw e;
  }
  try {
    // Each map must arrive in a single write(2).
    sys.writeAll(fd, new TextEncoder().encode(data), path);
  } catch (e) {
    if (e instanceof SysError) throw new SetupError(`writing ${path}: ${e.message}`);
    throw e;
  } finally {
    sys.close(fd);
  }
}

/**
 * Map exactly one id each way. A process may write its own maps after
 * unshare(CLONE_NEWUSER) as long as it maps only its own ids and, for the
 * gid map, has denied setgroups first; so no helper process is needed.
 */
export function writeIdMaps(outerUid: number, outerGid: number, innerUid: number, innerGid: number): void {
  writeProcFile("/proc/self/setgroups", "deny");
  writeProcFile("/proc/self/uid_map", `${innerUid} ${outerUid} 1\n`);
  writeProcFile("/proc/self/gid_map", `${innerGid} ${outerGid} 1\n`);
}

/** In a new network namespace, bring up "lo" (struct ifreq: 16-byte name, then short flags). */
export function loopbackUp(): void {
  try {
    const s = sys.socket(C.AF_INET, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0);
    try {
      const ifr = new Uint8Array(40);
      ifr.set(new TextEncoder().encode("lo"));
      sys.ioctl(s, C.SIOCGIFFLAGS, ifr, "lo");
      const flags = (ifr[16]! | (ifr[17]! << 8)) | C.IFF_UP;
      ifr[16] = flags & 0xff;
      ifr[17] = (flags >> 8) & 0xff;
      sys.ioctl(s, C.SIOCSIFFLAGS, ifr, "lo");
    } finally {
      sys.close(s);
    }
  } catch (e) {
    if (e instanceof SysError) throw new SetupError(`--unshare-net: bringing up lo: ${e.message}`);
    throw e;
  }
}

/** The highest capability this kernel knows (CAP_LAST_CAP), probed without /proc. */
function lastCap(): number {
  let cap = 40;
  while (sys.tryPrctl(C.PR_CAPBSET_READ, cap + 1).ret >= 0) cap++;
  while (cap > 0 && sys.tryPrctl(C.PR_CAPBSET_READ, cap).ret < 0) cap--;
  return cap;
}

/**
 * Let the command keep its capabilities across execve. A uid-0 command gets
 * the full set from the kernel's root rules; any other uid only keeps what
 * is in its ambient set, and a capability can be ambient only when it is
 * both permitted and inheritable.
 */
export function keepCapabilitiesAcrossExec(uidInside: number): void {
  if (uidInside === 0) return;
  const caps = sys.capget();
  sys.capset(caps.effective, caps.permitted, caps.permitted);
  const last = lastCap();
  for (let cap = 0; cap <= last; cap++) {
    if (((caps.permitted >> BigInt(cap)) & 1n) === 0n) continue;
    sys.prctl(C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_RAISE, cap);
  }
}

/** True when this process already runs in a user namespace that maps exactly one uid. */
export function inSingleUidNamespace(): boolean {
  const lines = sys.readTextFile("/proc/self/uid_map")?.trim().split("\n") ?? [];
  return lines.length === 1 && lines[0]!.trim().split(/\s+/)[2] === "1";
}

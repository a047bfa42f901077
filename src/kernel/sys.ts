// Typed wrappers around the system calls tsbox makes. Each returns its
// result or throws a SysError that names the call, the errno and the path.

import { ARCH } from "./arch.ts";
import * as C from "./constants.ts";
import { errnoName, strerror } from "./errno.ts";
import { addressOf as addr, cstr, cstrArray, syscall, type Arg } from "./ffi.ts";

const S = ARCH.sys;

/** The calls tsbox needs from Linux 5.12 on (openat2: 5.6, the mount API: 5.2, mount_setattr: 5.12). */
const NEW_API = new Set(["openat2", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "mount_setattr"]);

export class SysError extends Error {
  override readonly name = "SysError";
  constructor(readonly syscall: string, readonly errno: number, readonly path?: string, detail?: string) {
    const hint = errno === 38 /* ENOSYS */ && NEW_API.has(syscall)
      ? ` (tsbox needs the new mount API of Linux 5.12 or later; this kernel is ${kernelRelease()}, or a seccomp policy hides the call)`
      : detail ? ` (${detail})` : "";
    super(`${syscall}: ${strerror(errno)} (${errnoName(errno)})${hint}`);
  }
  /** "No such file or directory", without the call: for lookups the user caused. */
  get reason(): string {
    return strerror(this.errno);
  }
}

function check(name: string, r: { ret: number; errno: number }, path?: string): number {
  if (r.ret < 0) throw new SysError(name, r.errno, path);
  return r.ret;
}

/** Retry a call interrupted by a signal; the kernel rule is EINTR means "not done". */
function call(name: string, path: string | undefined, nr: number, a: Arg = 0, b: Arg = 0, c: Arg = 0, d: Arg = 0, e: Arg = 0): number {
  for (;;) {
    const r = syscall(nr, a, b, c, d, e);
    if (r.ret >= 0 || r.errno !== 4 /* EINTR */) return check(name, r, path);
  }
}

// Scratch structs for the kernel, reused: filled right before each call,
// never held across one. Plain 32-bit stores, no BigInt.
const openHow = new Uint8Array(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
const openHowView = new DataView(openHow.buffer);
const mountAttr = new Uint8Array(32); // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
const mountAttrView = new DataView(mountAttr.buffer);

const nul = (s: string | null) => (s === null ? null : cstr(s));

// ---- files -----------------------------------------------------------------

export function openat(dirfd: number, path: string, flags: number, mode = 0): number {
  return call("openat", path, S.openat, dirfd, cstr(path), flags | C.O_CLOEXEC, mode);
}

/**
 * openat2(2) with a struct open_how { u64 flags; u64 mode; u64 resolve; }.
 * With RESOLVE_IN_ROOT the kernel answers EAGAIN when a ".." step raced a
 * mount or rename anywhere on the system, and expects the caller to retry.
 */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  const r = openat2Raw(dirfd, path, flags, resolve, mode);
  if (r.fd < 0) throw new SysError("openat2", r.errno, path);
  return r.fd;
}

/** openat2 reporting failure as an errno instead of throwing: for lookups where "missing" is expected. */
export function openat2Raw(dirfd: number, path: string, flags: number, resolve: number, mode = 0): { fd: number; errno: number } {
  const p = cstr(path);
  openHowView.setUint32(0, (flags | C.O_CLOEXEC) >>> 0, true);
  openHowView.setUint32(8, mode, true);
  openHowView.setUint32(16, resolve, true);
  for (let tries = 0; ; tries++) {
    const r = syscall(S.openat2, dirfd, p, openHow, 24);
    if (r.ret >= 0) return { fd: r.ret, errno: 0 };
    if (r.errno === 4 /* EINTR */ || (r.errno === 11 /* EAGAIN */ && tries < 1000)) continue;
    return { fd: -1, errno: r.errno };
  }
}

/** The whole content of a (small, /proc-style) file, or undefined when it cannot be opened. */
export function readTextFile(path: string): string | undefined {
  const r = syscall(S.openat, C.AT_FDCWD, cstr(path), C.O_RDONLY | C.O_CLOEXEC);
  if (r.ret < 0) return undefined;
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const chunk = readFd(r.ret, 16384);
      if (chunk.length === 0) break;
      parts.push(chunk);
    }
  } catch {
    return undefined;
  } finally {
    close(r.ret);
  }
  return new TextDecoder().decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
}

/** The names in a directory (getdents64: struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }). */
export function listDirectory(path: string): string[] | undefined {
  const r = syscall(S.openat, C.AT_FDCWD, cstr(path), C.O_RDONLY | C.O_CLOEXEC | ARCH.O_DIRECTORY);
  if (r.ret < 0) return undefined;
  const names: string[] = [];
  const buf = new Uint8Array(32768);
  const view = new DataView(buf.buffer);
  const dec = new TextDecoder();
  try {
    for (;;) {
      const n = syscall(S.getdents64, r.ret, buf, buf.length).ret;
      if (n <= 0) break;
      for (let off = 0; off < n;) {
        const reclen = view.getUint16(off + 16, true);
        const end = buf.indexOf(0, off + 19);
        const name = dec.decode(buf.subarray(off + 19, end));
        if (name !== "." && name !== "..") names.push(name);
        off += reclen;
      }
    }
  } finally {
    close(r.ret);
  }
  return names;
}

/** isatty(3): TCGETS succeeds only on a terminal. */
export function isatty(fd: number): boolean {
  return syscall(S.ioctl, fd, 0x5401 /* TCGETS */, new Uint8Array(64)).ret >= 0;
}

/** access(2)-style check relative to the process root, without throwing. */
export function accessible(path: string, mode: number): number {
  const r = syscall(S.faccessat, C.AT_FDCWD, cstr(path), mode);
  return r.ret < 0 ? r.errno : 0;
}

/** Leave now, without returning to the runtime (used once the runtime's signal handlers are gone). */
export function exitGroup(status: number): never {
  for (;;) syscall(S.exit_group, status);
}

export function close(fd: number): void {
  syscall(S.close, fd); // close(2) must not be retried, and errors here change nothing
}

export function mkdirat(dirfd: number, path: string, mode: number): void {
  call("mkdirat", path, S.mkdirat, dirfd, cstr(path), mode);
}

export function symlinkat(target: string, dirfd: number, path: string): void {
  call("symlinkat", path, S.symlinkat, cstr(target), dirfd, cstr(path));
}

export function readlinkat(dirfd: number, path: string): string {
  const buf = new Uint8Array(4096);
  const n = call("readlinkat", path, S.readlinkat, dirfd, cstr(path), buf, buf.length);
  return new TextDecoder().decode(buf.subarray(0, n));
}

export function writeAll(fd: number, data: Uint8Array, path?: string): void {
  let off = 0;
  while (off < data.length) off += call("write", path, S.write, fd, data.subarray(off), data.length - off);
}

export function readFd(fd: number, max: number): Uint8Array {
  const buf = new Uint8Array(max);
  const n = call("read", undefined, S.read, fd, buf, max);
  return buf.subarray(0, n);
}

/** The file type and permission bits (statx is laid out the same on every architecture). */
export function statMode(dirfd: number, path: string, flags: number): number {
  const buf = new Uint8Array(256);
  call("statx", path, S.statx, dirfd, cstr(path), flags, C.STATX_TYPE | C.STATX_MODE, buf);
  return buf[28]! | (buf[29]! << 8); // struct statx: __u16 stx_mode at offset 0x1c
}

export function umask(mask: number): number {
  return syscall(S.umask, mask).ret;
}

export function fcntl(fd: number, cmd: number, arg = 0): number {
  return call("fcntl", undefined, S.fcntl, fd, cmd, arg);
}

export function dup3(oldfd: number, newfd: number, flags: number): void {
  call("dup3", undefined, S.dup3, oldfd, newfd, flags);
}

export function chdir(path: string): void {
  call("chdir", path, S.chdir, cstr(path));
}

export function fchdir(fd: number, path?: string): void {
  call("fchdir", path, S.fchdir, fd);
}

export function chroot(path: string): void {
  call("chroot", path, S.chroot, cstr(path));
}

export function getcwd(): string {
  const buf = new Uint8Array(4097);
  const n = call("getcwd", undefined, S.getcwd, buf, buf.length);
  return new TextDecoder().decode(buf.subarray(0, n - 1));
}

// ---- mounts ----------------------------------------------------------------

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  call("mount", target, S.mount, nul(source), cstr(target), nul(fstype), flags, nul(data));
}

export function umount2(target: string, flags: number): void {
  call("umount2", target, S.umount2, cstr(target), flags);
}

export function pivotRoot(newRoot: string, putOld: string): void {
  call("pivot_root", newRoot, S.pivot_root, cstr(newRoot), cstr(putOld));
}

export function openTree(dirfd: number, path: string, flags: number, label?: string): number {
  return call("open_tree", label ?? path, S.open_tree, dirfd, cstr(path), flags);
}

export function moveMount(fromFd: number, fromPath: string, toFd: number, toPath: string, flags: number, label?: string): void {
  call("move_mount", label ?? toPath, S.move_mount, fromFd, cstr(fromPath), toFd, cstr(toPath), flags);
}

/** mount_setattr(2) with a struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }. */
export function mountSetattr(dirfd: number, path: string, flags: number, attrSet: number, attrClr: number, label?: string): void {
  mountAttr.fill(0);
  mountAttrView.setUint32(0, attrSet, true);
  mountAttrView.setUint32(8, attrClr, true);
  call("mount_setattr", label ?? path, S.mount_setattr, dirfd, cstr(path), flags, mountAttr, 32);
}

export function fsopen(fstype: string): number {
  return call("fsopen", fstype, S.fsopen, cstr(fstype), C.FSOPEN_CLOEXEC);
}

export function fsconfigString(fd: number, key: string, value: string, label?: string): void {
  call("fsconfig", label ?? `${key}=${value}`, S.fsconfig, fd, C.FSCONFIG_SET_STRING, cstr(key), cstr(value), 0);
}

export function fsconfigFlag(fd: number, key: string): void {
  call("fsconfig", key, S.fsconfig, fd, C.FSCONFIG_SET_FLAG, cstr(key), null, 0);
}

export function fsconfigCreate(fd: number, label: string): void {
  call("fsconfig", label, S.fsconfig, fd, C.FSCONFIG_CMD_CREATE, null, null, 0);
}

export function fsmount(fd: number, attrs: number, label: string): number {
  return call("fsmount", label, S.fsmount, fd, C.FSMOUNT_CLOEXEC, attrs);
}

// ---- namespaces, identity, capabilities ------------------------------------

export function unshare(flags: number): void {
  call("unshare", undefined, S.unshare, flags);
}

export function getuid(): number { return syscall(S.getuid).ret; }
export function getgid(): number { return syscall(S.getgid).ret; }
export function getpid(): number { return syscall(S.getpid).ret; }

/** The effective, permitted and inheritable sets as 64-bit masks. */
export function capget(): { effective: bigint; permitted: bigint; inheritable: bigint } {
  const header = new Uint32Array([C._LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6); // two struct __user_cap_data_struct { effective, permitted, inheritable }
  call("capget", undefined, S.capget, new Uint8Array(header.buffer), new Uint8Array(data.buffer));
  const join = (lo: number, hi: number) => BigInt(lo >>> 0) | (BigInt(hi >>> 0) << 32n);
  return { effective: join(data[0]!, data[3]!), permitted: join(data[1]!, data[4]!), inheritable: join(data[2]!, data[5]!) };
}

export function capset(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const header = new Uint32Array([C._LINUX_CAPABILITY_VERSION_3, 0]);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  const hi = (v: bigint) => Number(v >> 32n);
  const data = new Uint32Array([lo(effective), lo(permitted), lo(inheritable), hi(effective), hi(permitted), hi(inheritable)]);
  call("capset", undefined, S.capset, new Uint8Array(header.buffer), new Uint8Array(data.buffer));
}

export function prctl(option: number, a = 0, b = 0, c = 0, d = 0): number {
  return call("prctl", undefined, S.prctl, option, a, b, c, d);
}

/** prctl that reports failure as a value, for probing (e.g. the last capability). */
export function tryPrctl(option: number, a = 0, b = 0, c = 0, d = 0): { ret: number; errno: number } {
  return syscall(S.prctl, option, a, b, c, d);
}

export function seccompSetFilter(program: Uint8Array, flags = 0): void {
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (padded to 16 bytes)
  const fprog = new BigUint64Array(2);
  fprog[0] = BigInt(program.length / 8);
  fprog[1] = BigInt(addr(program));
  call("seccomp", undefined, S.seccomp, C.SECCOMP_SET_MODE_FILTER, flags, new Uint8Array(fprog.buffer));
  keepAlive(program);
}

// ---- signals, processes, exec ------------------------------------------------

/** Reset every catchable signal to SIG_DFL and unblock them all. */
export function resetSignals(): void {
  // struct kernel_sigaction { handler; flags; restorer; mask } — all zero is SIG_DFL.
  const act = new Uint8Array(32);
  for (let sig = 1; sig <= C.NSIG; sig++) {
    if (sig === C.SIGKILL || sig === C.SIGSTOP) continue;
    syscall(S.rt_sigaction, sig, act, null, 8); // EINVAL for the few the kernel keeps: harmless
  }
  const empty = new Uint8Array(8);
  syscall(S.rt_sigprocmask, C.SIG_SETMASK, empty, null, 8);
}

export function kill(pid: number, sig: number): void {
  call("kill", undefined, S.kill, pid, sig);
}

export function schedYield(): void {
  syscall(S.sched_yield);
}

/** The buffers of one execve(2) call, built ahead so the call itself allocates nothing. */
export interface ExecveArgs {
  readonly path: Uint8Array;
  readonly argv: Uint8Array;
  readonly envp: Uint8Array;
  readonly keep: readonly Uint8Array[];
}

export type CStringArray = ReturnType<typeof cstrArray>;
export { cstrArray };

/** `envp` may be shared by several prepared calls. */
export function execveArgs(path: string, argv: readonly string[], envp: readonly string[] | CStringArray): ExecveArgs {
  const a = cstrArray(argv);
  const e = "array" in envp ? envp : cstrArray(envp);
  return { path: cstr(path), argv: a.array, envp: e.array, keep: [...a.keep, ...e.keep] };
}

/** execve(2) with prepared buffers; returns only on failure, with the errno. */
export function execvePrepared(x: ExecveArgs): number {
  const r = syscall(S.execve, x.path, x.argv, x.envp);
  keepAlive(x);
  return r.errno;
}

/** execve(2); returns only on failure, with the errno. */
export function execve(path: string, argv: readonly string[], envp: readonly string[]): number {
  return execvePrepared(execveArgs(path, argv, envp));
}

export function socket(domain: number, type: number, protocol: number): number {
  return call("socket", undefined, S.socket, domain, type, protocol);
}

export function ioctl(fd: number, request: number, arg: Uint8Array, label: string): void {
  call("ioctl", label, S.ioctl, fd, request, arg);
}

/** The kernel release, e.g. "6.1.0-18-amd64". */
export function kernelRelease(): string {
  const buf = new Uint8Array(6 * 65); // struct utsname: six 65-byte fields
  syscall(S.uname, buf);
  const field = buf.subarray(2 * 65, 3 * 65);
  const end = field.indexOf(0);
  return new TextDecoder().decode(field.subarray(0, end < 0 ? field.length : end));
}

// Holding a reference until after the call keeps the garbage collector from
// freeing a buffer whose address was handed to the kernel inside another one.
let sink: unknown;
function keepAlive(...values: unknown[]): void {
  sink = values;
}

// Everything that differs between the architectures tsbox runs on, in one
// table per architecture, chosen once at run time. Syscall numbers come from
// arch/x86/entry/syscalls/syscall_64.tbl (x86_64) and
// include/uapi/asm-generic/unistd.h (aarch64); open(2) flags from
// arch/x86/include/uapi/asm/fcntl.h via asm-generic/fcntl.h, and
// arch/arm64/include/uapi/asm/fcntl.h.

export interface ArchTable {
  readonly name: "x86_64" | "aarch64";
  /** AUDIT_ARCH_* of the native syscall table (include/uapi/linux/audit.h). */
  readonly auditArch: number;
  readonly sys: {
    readonly read: number; readonly write: number; readonly close: number;
    readonly openat: number; readonly openat2: number; readonly mkdirat: number;
    readonly symlinkat: number; readonly readlinkat: number; readonly statx: number;
    readonly unshare: number; readonly mount: number; readonly umount2: number;
    readonly pivot_root: number; readonly chdir: number; readonly fchdir: number;
    readonly chroot: number; readonly getcwd: number;
    readonly open_tree: number; readonly move_mount: number; readonly fsopen: number;
    readonly fsconfig: number; readonly fsmount: number; readonly mount_setattr: number;
    readonly capget: number; readonly capset: number; readonly prctl: number;
    readonly seccomp: number; readonly rt_sigaction: number; readonly rt_sigprocmask: number;
    readonly kill: number; readonly getpid: number; readonly getuid: number;
    readonly getgid: number; readonly execve: number; readonly dup3: number;
    readonly fcntl: number; readonly umask: number; readonly socket: number;
    readonly ioctl: number; readonly sched_yield: number;
    readonly uname: number; readonly getdents64: number; readonly exit_group: number;
    readonly faccessat: number;
  };
  readonly O_DIRECTORY: number;
  readonly O_NOFOLLOW: number;
}

export const X86_64: ArchTable = {
  name: "x86_64",
  auditArch: 0xc000003e, // AUDIT_ARCH_X86_64 = EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
  sys: {
    read: 0, write: 1, close: 3, openat: 257, openat2: 437, mkdirat: 258,
    symlinkat: 266, readlinkat: 267, statx: 332,
    unshare: 272, mount: 165, umount2: 166, pivot_root: 155, chdir: 80, fchdir: 81,
    chroot: 161, getcwd: 79,
    open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, mount_setattr: 442,
    capget: 125, capset: 126, prctl: 157, seccomp: 317, rt_sigaction: 13, rt_sigprocmask: 14,
    kill: 62, getpid: 39, getuid: 102, getgid: 104, execve: 59, dup3: 292, fcntl: 72,
    umask: 95, socket: 41, ioctl: 16, sched_yield: 24, uname: 63,
    getdents64: 217, exit_group: 231, faccessat: 269,
  },
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
};

export const AARCH64: ArchTable = {
  name: "aarch64",
  auditArch: 0xc00000b7, // AUDIT_ARCH_AARCH64 = EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
  sys: {
    read: 63, write: 64, close: 57, openat: 56, openat2: 437, mkdirat: 34,
    symlinkat: 36, readlinkat: 78, statx: 291,
    unshare: 97, mount: 40, umount2: 39, pivot_root: 41, chdir: 49, fchdir: 50,
    chroot: 51, getcwd: 17,
    open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, mount_setattr: 442,
    capget: 90, capset: 91, prctl: 167, seccomp: 277, rt_sigaction: 134, rt_sigprocmask: 135,
    kill: 129, getpid: 172, getuid: 174, getgid: 176, execve: 221, dup3: 24, fcntl: 25,
    umask: 166, socket: 198, ioctl: 29, sched_yield: 124, uname: 160,
    getdents64: 61, exit_group: 94, faccessat: 48,
  },
  O_DIRECTORY: 0o40000,
  O_NOFOLLOW: 0o100000,
};

export function archFor(nodeArch: string): ArchTable {
  switch (nodeArch) {
    case "x64": return X86_64;
    case "arm64": return AARCH64;
    default: throw new Error(`tsbox does not support the ${nodeArch} architecture`);
  }
}

export const ARCH: ArchTable = archFor(process.arch);

// The syscall numbers the seccomp filter suppresses, one table per kernel
// syscall table. A seccomp filter sees the number as the calling task's ABI
// numbers it, together with that ABI's AUDIT_ARCH_* (include/uapi/linux/audit.h),
// so a 64-bit kernel needs the numbers of every ABI it can run.
//
// A table lists only the calls it has: aarch64, for one, has no chown or
// lchown, only fchownat and fchown.

export type ArchName = "x86_64" | "i386" | "x32" | "aarch64" | "arm";

/** --suppress-chown: every way to change a file's owner. */
export const CHOWN_CALLS = ["chown", "fchown", "fchownat", "lchown", "chown32", "fchown32", "lchown32"] as const;
/** --suppress-sync: every way to wait for data to reach the disk. */
export const SYNC_CALLS = ["sync", "syncfs", "fsync", "fdatasync", "msync", "sync_file_range", "sync_file_range2"] as const;

export type ChownCall = (typeof CHOWN_CALLS)[number];
export type SyncCall = (typeof SYNC_CALLS)[number];
export type SyscallName = ChownCall | SyncCall;

// include/uapi/linux/audit.h: EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)
export const AUDIT_ARCH_X86_64 = 0xc000003e; // EM_X86_64 (62)
export const AUDIT_ARCH_I386 = 0x40000003; // EM_386 (3)
export const AUDIT_ARCH_AARCH64 = 0xc00000b7; // EM_AARCH64 (183)
export const AUDIT_ARCH_ARM = 0x40000028; // EM_ARM (40)

/** arch/x86/include/uapi/asm/unistd.h: x32 calls are x86_64 calls with this bit set. */
export const X32_SYSCALL_BIT = 0x40000000;

export interface SyscallTable {
  readonly arch: ArchName;
  /** seccomp_data.arch for a task using this table. */
  readonly auditArch: number;
  /** Where the numbers come from, for --debug and for whoever checks them. */
  readonly source: string;
  readonly nr: Readonly<Partial<Record<SyscallName, number>>>;
}

// arch/x86/entry/syscalls/syscall_64.tbl (all "common" entries)
const X86_64: SyscallTable = {
  arch: "x86_64",
  auditArch: AUDIT_ARCH_X86_64,
  source: "arch/x86/entry/syscalls/syscall_64.tbl",
  nr: {
    chown: 92, fchown: 93, lchown: 94, fchownat: 260,
    msync: 26, fsync: 74, fdatasync: 75, sync: 162, sync_file_range: 277, syncfs: 306,
  },
};

// arch/x86/entry/syscalls/syscall_64.tbl again: x32 uses its "common" and
// "x32" entries (none of these are in the x32-only 512..547 range) with
// __X32_SYSCALL_BIT set, and reports AUDIT_ARCH_X86_64 like native code.
const X32: SyscallTable = {
  arch: "x32",
  auditArch: AUDIT_ARCH_X86_64,
  source: "arch/x86/entry/syscalls/syscall_64.tbl (common/x32, | __X32_SYSCALL_BIT)",
  nr: {
    chown: X32_SYSCALL_BIT | 92, fchown: X32_SYSCALL_BIT | 93, lchown: X32_SYSCALL_BIT | 94,
    fchownat: X32_SYSCALL_BIT | 260,
    msync: X32_SYSCALL_BIT | 26, fsync: X32_SYSCALL_BIT | 74, fdatasync: X32_SYSCALL_BIT | 75,
    sync: X32_SYSCALL_BIT | 162, sync_file_range: X32_SYSCALL_BIT | 277, syncfs: X32_SYSCALL_BIT | 306,
  },
};

// arch/x86/entry/syscalls/syscall_32.tbl; chown/fchown/lchown are the 16-bit-uid calls
const I386: SyscallTable = {
  arch: "i386",
  auditArch: AUDIT_ARCH_I386,
  source: "arch/x86/entry/syscalls/syscall_32.tbl",
  nr: {
    lchown: 16, fchown: 95, chown: 182, lchown32: 198, fchown32: 207, chown32: 212, fchownat: 298,
    sync: 36, fsync: 118, msync: 144, fdatasync: 148, sync_file_range: 314, syncfs: 344,
  },
};

// include/uapi/asm-generic/unistd.h; arm64 does not define
// __ARCH_WANT_SYNC_FILE_RANGE2, so 84 is sync_file_range
const AARCH64: SyscallTable = {
  arch: "aarch64",
  auditArch: AUDIT_ARCH_AARCH64,
  source: "include/uapi/asm-generic/unistd.h",
  nr: {
    fchownat: 54, fchown: 55,
    sync: 81, fsync: 82, fdatasync: 83, sync_file_range: 84, msync: 227, syncfs: 267,
  },
};

// arch/arm/tools/syscall.tbl (EABI); 341 is arm_sync_file_range, which
// arch/arm/include/uapi/asm/unistd.h calls __NR_sync_file_range2
const ARM: SyscallTable = {
  arch: "arm",
  auditArch: AUDIT_ARCH_ARM,
  source: "arch/arm/tools/syscall.tbl",
  nr: {
    lchown: 16, fchown: 95, chown: 182, lchown32: 198, fchown32: 207, chown32: 212, fchownat: 325,
    sync: 36, fsync: 118, msync: 144, fdatasync: 148, sync_file_range2: 341, syncfs: 373,
  },
};

export const SYSCALL_TABLES: Readonly<Record<ArchName, SyscallTable>> = {
  x86_64: X86_64, x32: X32, i386: I386, aarch64: AARCH64, arm: ARM,
};


// src/kernel/arch.ts: everything that differs between x86_64 and aarch64.
// Both tables are pinned with literal values (checked by hand against
// arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h,
// asm-generic/fcntl.h, arch/arm64/include/uapi/asm/fcntl.h and linux/audit.h),
// and, where the headers are installed, compared with the headers themselves:
//   x86_64:  /usr/include/x86_64-linux-gnu/asm/unistd_64.h (linux-libc-dev)
//   aarch64: /usr/aarch64-linux-gnu/include/asm-generic/unistd.h and asm/fcntl.h
//            (Debian's linux-libc-dev-arm64-cross)
// Constants that constants.ts treats as shared are checked to really be equal
// on both, so nothing architecture-specific hides outside arch.ts.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { AARCH64, ARCH, archFor, X86_64, type ArchTable } from "../src/kernel/arch.ts";
import * as C from "../src/kernel/constants.ts";

const X86_64_EXPECTED = {
  name: "x86_64",
  auditArch: 0xc000003e,
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

const AARCH64_EXPECTED = {
  name: "aarch64",
  auditArch: 0xc00000b7,
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

describe("pinned tables", () => {
  test("x86_64", () => expect(X86_64).toEqual(X86_64_EXPECTED as ArchTable));
  test("aarch64", () => expect(AARCH64).toEqual(AARCH64_EXPECTED as ArchTable));
  test("both tables name the same calls", () => {
    expect(Object.keys(AARCH64.sys).sort()).toEqual(Object.keys(X86_64.sys).sort());
  });
  test("no two calls share a number within a table", () => {
    for (const t of [X86_64, AARCH64]) {
      const nrs = Object.values(t.sys);
      expect(new Set(nrs).size).toBe(nrs.length);
    }
  });
  test("archFor maps Node's names and refuses others; ARCH is this machine's", () => {
    expect(archFor("x64")).toBe(X86_64);
    expect(archFor("arm64")).toBe(AARCH64);
    expect(() => archFor("riscv64")).toThrow(/riscv64/);
    expect(ARCH).toBe(process.arch === "arm64" ? AARCH64 : X86_64);
  });
});

// ---- against the installed kernel headers --------------------------------------

/** `#define NAME VALUE` lines of a header, with one level of NAME -> other NAME resolved. */
function defines(path: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const d = /^\s*#\s*define\s+(\w+)\s+(\S+)/.exec(line);
    if (d && !m.has(d[1]!)) m.set(d[1]!, d[2]!);
  }
  return m;
}

function value(defs: Map<string, string>, name: string): number | undefined {
  let v = defs.get(name);
  for (let depth = 0; v !== undefined && /^[A-Za-z_]\w*$/.test(v) && depth < 4; depth++) v = defs.get(v);
  if (v === undefined) return undefined;
  v = v.replace(/^\((.*)\)$/, "$1");
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  if (/^0[0-7]+$/.test(v)) return parseInt(v, 8);
  if (/^\d+$/.test(v)) return Number(v);
  return undefined;
}

const X86_UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
const X86_FCNTL = "/usr/include/asm-generic/fcntl.h";
const ARM_ROOT = "/usr/aarch64-linux-gnu/include";
const ARM_UNISTD = `${ARM_ROOT}/asm-generic/unistd.h`;
const ARM_FCNTL = `${ARM_ROOT}/asm/fcntl.h`;
const ARM_GENERIC_FCNTL = `${ARM_ROOT}/asm-generic/fcntl.h`;

describe("against the kernel headers", () => {
  test.skipIf(!existsSync(X86_UNISTD))("x86_64 syscall numbers match asm/unistd_64.h", () => {
    const d = defines(X86_UNISTD);
    for (const [name, nr] of Object.entries(X86_64.sys)) expect([name, value(d, `__NR_${name}`)]).toEqual([name, nr]);
  });

  test.skipIf(!existsSync(ARM_UNISTD))("aarch64 syscall numbers match asm-generic/unistd.h", () => {
    const d = defines(ARM_UNISTD);
    for (const [name, nr] of Object.entries(AARCH64.sys)) {
      // 32/64-bit pairs (fcntl, ...) are defined as __NR3264_name.
      const got = value(d, `__NR_${name}`) ?? value(d, `__NR3264_${name}`);
      expect([name, got]).toEqual([name, nr]);
    }
  });

  test.skipIf(!existsSync(X86_FCNTL))("x86_64 O_DIRECTORY and O_NOFOLLOW come from asm-generic/fcntl.h", () => {
    const d = defines(X86_FCNTL);
    expect(value(d, "O_DIRECTORY")).toBe(X86_64.O_DIRECTORY);
    expect(value(d, "O_NOFOLLOW")).toBe(X86_64.O_NOFOLLOW);
  });

  test.skipIf(!existsSync(ARM_FCNTL))("aarch64 O_DIRECTORY and O_NOFOLLOW come from arm64's asm/fcntl.h", () => {
    const d = defines(ARM_FCNTL);
    expect(value(d, "O_DIRECTORY")).toBe(AARCH64.O_DIRECTORY);
    expect(value(d, "O_NOFOLLOW")).toBe(AARCH64.O_NOFOLLOW);
    // ... and really differ from the generic values x86_64 uses.
    expect(AARCH64.O_DIRECTORY).not.toBe(X86_64.O_DIRECTORY);
  });

  test.skipIf(!existsSync(ARM_GENERIC_FCNTL) || !existsSync(X86_FCNTL))(
    "the open flags constants.ts shares are the same on both architectures",
    () => {
      const x86 = defines(X86_FCNTL);
      const armOverrides = defines(ARM_FCNTL);
      const armGeneric = defines(ARM_GENERIC_FCNTL);
      const arm = (n: string) => value(armOverrides, n) ?? value(armGeneric, n);
      const shared = { O_RDONLY: C.O_RDONLY, O_WRONLY: C.O_WRONLY, O_RDWR: C.O_RDWR, O_CREAT: C.O_CREAT, O_EXCL: C.O_EXCL,
        O_NOCTTY: C.O_NOCTTY, O_TRUNC: C.O_TRUNC, O_CLOEXEC: C.O_CLOEXEC, O_PATH: C.O_PATH,
        F_GETFD: C.F_GETFD, F_SETFD: C.F_SETFD, FD_CLOEXEC: C.FD_CLOEXEC };
      for (const [name, v] of Object.entries(shared)) {
        expect([name, value(x86, name)]).toEqual([name, v]);
        expect([name, arm(name)]).toEqual([name, v]);
      }
    },
  );

  test.skipIf(!existsSync("/usr/include/linux/audit.h") || !existsSync("/usr/include/linux/elf-em.h"))(
    "AUDIT_ARCH_* values",
    () => {
      const em = defines("/usr/include/linux/elf-em.h");
      const audit = defines("/usr/include/linux/audit.h");
      const bits = value(audit, "__AUDIT_ARCH_64BIT")! | value(audit, "__AUDIT_ARCH_LE")!;
      expect((value(em, "EM_X86_64")! | bits) >>> 0).toBe(X86_64.auditArch);
      expect((value(em, "EM_AARCH64")! | bits) >>> 0).toBe(AARCH64.auditArch);
    },
  );
});

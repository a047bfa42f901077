// The seccomp filter behind --suppress-chown and --suppress-sync: the named
// calls return 0 without doing anything, everything else runs. It never
// kills: a call or architecture the filter does not know is allowed.
//
//   A = seccomp_data.arch
//   for each AUDIT_ARCH_*: if (A == arch) goto arch_N
//   return ALLOW                        unknown architecture
// arch_N:
//   A = seccomp_data.nr
//   for each suppressed number: if (A == nr) goto suppress
//   return ALLOW
// suppress:
//   return ERRNO | 0                    the call "succeeds"
//
// Pure: no bun:ffi here; src/kernel/sys.ts seccompSetFilter() loads it.

import { describe, jeq, label, ldAbsW, retK, assemble, type Item, type Program } from "./bpf.ts";
import { CHOWN_CALLS, SYNC_CALLS, SYSCALL_TABLES, type ArchName, type SyscallName } from "./syscalls.ts";

export type { ArchName } from "./syscalls.ts";

export interface SuppressOptions {
  readonly chown: boolean;
  readonly sync: boolean;
}

// include/uapi/linux/seccomp.h: struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;

// include/uapi/linux/seccomp.h: the action is the high 16 bits, data the low 16
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
/** SECCOMP_RET_ERRNO with errno 0: the kernel sets the return value to -0, i.e. 0. */
export const SECCOMP_RET_SUCCESS = SECCOMP_RET_ERRNO | 0;

/**
 * The syscall ABIs a process can use on a machine of this Node/Bun
 * process.arch: the native one and the compat ones a 64-bit kernel runs.
 */
export function nativeArches(nodeArch: string): readonly ArchName[] {
  switch (nodeArch) {
    case "x64": return ["x86_64", "i386", "x32"];
    case "arm64": return ["aarch64", "arm"];
    default: throw new Error(`tsbox does not support the ${nodeArch} architecture`);
  }
}

/** The names the options suppress, in a fixed order. */
function suppressedNames(opts: SuppressOptions): SyscallName[] {
  return [...(opts.chown ? CHOWN_CALLS : []), ...(opts.sync ? SYNC_CALLS : [])];
}

interface ArchGroup {
  readonly auditArch: number;
  readonly arches: ArchName[];
  readonly calls: { readonly arch: ArchName; readonly name: SyscallName; readonly nr: number }[];
}

/**
 * Group the ABIs by the AUDIT_ARCH_* the kernel reports for them: x86_64 and
 * x32 share AUDIT_ARCH_X86_64 and differ only by __X32_SYSCALL_BIT in nr.
 */
function groups(opts: SuppressOptions, arches: readonly ArchName[]): ArchGroup[] {
  const byAudit = new Map<number, ArchGroup>();
  const names = suppressedNames(opts);
  for (const arch of new Set(arches)) {
    const table = SYSCALL_TABLES[arch];
    let group = byAudit.get(table.auditArch);
    if (group === undefined) {
      group = { auditArch: table.auditArch, arches: [], calls: [] };
      byAudit.set(table.auditArch, group);
    }
    group.arches.push(arch);
    for (const name of names) {
      const nr = table.nr[name];
      if (nr !== undefined && !group.calls.some((c) => c.nr === nr)) group.calls.push({ arch, name, nr });
    }
  }
  return [...byAudit.values()].filter((g) => g.calls.length > 0);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** The filter before assembly: labels, and a comment on every instruction. */
export function filterProgram(opts: SuppressOptions, arches: readonly ArchName[]): Program {
  const gs = groups(opts, arches);
  if (gs.length === 0) return [retK(SECCOMP_RET_ALLOW, "nothing to suppress: allow")];

  const items: Item[] = [ldAbsW(SECCOMP_DATA_ARCH, "A = seccomp_data.arch")];
  gs.forEach((g, i) => items.push(jeq(g.auditArch, `arch${i}`, null, `arch ${hex(g.auditArch)}: ${g.arches.join(", ")}`)));
  items.push(retK(SECCOMP_RET_ALLOW, "unknown architecture: allow"));
  gs.forEach((g, i) => {
    items.push(label(`arch${i}`), ldAbsW(SECCOMP_DATA_NR, `A = seccomp_data.nr (${g.arches.join(", ")})`));
    for (const c of g.calls) items.push(jeq(c.nr, "suppress", null, `${c.arch} ${c.name}`));
    items.push(retK(SECCOMP_RET_ALLOW, "allow"));
  });
  items.push(label("suppress"), retK(SECCOMP_RET_SUCCESS, "SECCOMP_RET_ERRNO | 0: return 0, do nothing"));
  return items;
}

/** The assembled filter, for seccompSetFilter(). */
export function buildFilter(opts: SuppressOptions, arches: readonly ArchName[]): Uint8Array {
  return assemble(filterProgram(opts, arches));
}

/** Readable lines for --debug. */
export function describeFilter(opts: SuppressOptions, arches: readonly ArchName[]): string[] {
  return describe(filterProgram(opts, arches));
}

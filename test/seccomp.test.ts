// The seccomp filter behind --suppress-chown/--suppress-sync, run in a BPF
// interpreter. Expected syscall numbers are written out here, from the kernel
// tables, independently of src/seccomp/syscalls.ts.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BpfError, assemble, decode, describe as describeProgram, disassemble, ja, jeq, label, ldAbsW, retK, stmt,
  BPF_ALU, BPF_AND, BPF_K, type Item,
} from "../src/seccomp/bpf.ts";
import { buildFilter, describeFilter, filterProgram, nativeArches, type ArchName } from "../src/seccomp/filter.ts";
import { InterpError, run } from "./bpf-interp.ts";

const ALLOW = 0x7fff0000;
const SUCCEED = 0x00050000; // SECCOMP_RET_ERRNO | 0

const X86_64 = 0xc000003e;
const I386 = 0x40000003;
const AARCH64 = 0xc00000b7;
const ARM = 0x40000028;
const X32_BIT = 0x40000000;

interface Expect {
  readonly audit: number;
  readonly chown: Record<string, number>;
  readonly sync: Record<string, number>;
  /** Calls no option suppresses. */
  readonly other: Record<string, number>;
}

const x32 = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, X32_BIT | v]));

// arch/x86/entry/syscalls/syscall_64.tbl
const X86_64_CHOWN = { chown: 92, fchown: 93, lchown: 94, fchownat: 260 };
const X86_64_SYNC = { sync: 162, syncfs: 306, fsync: 74, fdatasync: 75, msync: 26, sync_file_range: 277 };

const EXPECT: Record<ArchName, Expect> = {
  x86_64: {
    audit: X86_64, chown: X86_64_CHOWN, sync: X86_64_SYNC,
    other: { read: 0, write: 1, openat: 257, execve: 59, getpid: 39, chmod: 90, fchmod: 91, putpmsg: 182, truncate: 76 },
  },
  x32: {
    audit: X86_64, chown: x32(X86_64_CHOWN), sync: x32(X86_64_SYNC),
    other: { read: X32_BIT | 0, write: X32_BIT | 1, openat: X32_BIT | 257, execve: X32_BIT | 520, chmod: X32_BIT | 90 },
  },
  // arch/x86/entry/syscalls/syscall_32.tbl
  i386: {
    audit: I386,
    chown: { lchown: 16, fchown: 95, chown: 182, lchown32: 198, fchown32: 207, chown32: 212, fchownat: 298 },
    sync: { sync: 36, fsync: 118, msync: 144, fdatasync: 148, sync_file_range: 314, syncfs: 344 },
    other: { read: 3, write: 4, openat: 295, execve: 11, truncate: 92, ftruncate: 93, fchmod: 94, geteuid32: 201 },
  },
  // include/uapi/asm-generic/unistd.h
  aarch64: {
    audit: AARCH64,
    chown: { fchownat: 54, fchown: 55 },
    sync: { sync: 81, fsync: 82, fdatasync: 83, sync_file_range: 84, msync: 227, syncfs: 267 },
    other: { read: 63, write: 64, openat: 56, execve: 221, fchmodat: 53, close: 57, munlock: 229 },
  },
  // arch/arm/tools/syscall.tbl
  arm: {
    audit: ARM,
    chown: { lchown: 16, fchown: 95, chown: 182, lchown32: 198, fchown32: 207, chown32: 212, fchownat: 325 },
    sync: { sync: 36, fsync: 118, msync: 144, fdatasync: 148, sync_file_range2: 341, syncfs: 373 },
    other: { read: 3, write: 4, openat: 322, execve: 11, tee: 342, fchmodat: 333 },
  },
};

const SETS = { x64: ["x86_64", "i386", "x32"], arm64: ["aarch64", "arm"] } as const;
const COMBOS = [
  { chown: true, sync: true },
  { chown: true, sync: false },
  { chown: false, sync: true },
  { chown: false, sync: false },
] as const;

const call = (prog: Uint8Array, arch: number, nr: number) => run(prog, { nr, arch, args: [1n, 2n, 3n, 4n, 5n, 6n] });

describe("nativeArches", () => {
  test("x64 and arm64", () => {
    expect(nativeArches("x64")).toEqual(["x86_64", "i386", "x32"]);
    expect(nativeArches("arm64")).toEqual(["aarch64", "arm"]);
    expect(() => nativeArches("riscv64")).toThrow();
  });
});

describe("filter", () => {
  for (const [set, arches] of Object.entries(SETS)) {
    for (const opts of COMBOS) {
      const name = `${set} chown=${opts.chown} sync=${opts.sync}`;
      const prog = buildFilter(opts, arches);

      for (const arch of arches) {
        const e = EXPECT[arch];
        test(`${name}: ${arch} chown calls`, () => {
          for (const [sc, nr] of Object.entries(e.chown)) {
            expect({ sc, ret: call(prog, e.audit, nr) }).toEqual({ sc, ret: opts.chown ? SUCCEED : ALLOW });
          }
        });
        test(`${name}: ${arch} sync calls`, () => {
          for (const [sc, nr] of Object.entries(e.sync)) {
            expect({ sc, ret: call(prog, e.audit, nr) }).toEqual({ sc, ret: opts.sync ? SUCCEED : ALLOW });
          }
        });
        test(`${name}: ${arch} other calls are allowed`, () => {
          for (const [sc, nr] of Object.entries(e.other)) {
            expect({ sc, ret: call(prog, e.audit, nr) }).toEqual({ sc, ret: ALLOW });
          }
        });
      }

      test(`${name}: unknown architectures are allowed`, () => {
        for (const audit of [0x12345678, 0, 0xffffffff, ...(set === "x64" ? [AARCH64, ARM] : [X86_64, I386])]) {
          for (const nr of [92, 93, 94, 260, 54, 55, 81, 162, 182, 36, 0x4000005c, 0]) {
            expect({ audit, nr, ret: call(prog, audit, nr) }).toEqual({ audit, nr, ret: ALLOW });
          }
        }
      });

      test(`${name}: never returns anything but ALLOW or ERRNO|0`, () => {
        for (const insn of decode(prog)) {
          if ((insn.code & 0x07) === 0x06) expect([ALLOW, SUCCEED]).toContain(insn.k);
        }
      });
    }
  }

  test("x32: numbers with __X32_SYSCALL_BIT are checked under AUDIT_ARCH_X86_64", () => {
    const prog = buildFilter({ chown: true, sync: true }, nativeArches("x64"));
    expect(call(prog, X86_64, X32_BIT | 93)).toBe(SUCCEED); // x32 fchown
    expect(call(prog, X86_64, 93)).toBe(SUCCEED); // native fchown, same number without the bit
    expect(call(prog, X86_64, X32_BIT | 162)).toBe(SUCCEED); // x32 sync
    expect(call(prog, X86_64, X32_BIT | 0)).toBe(ALLOW); // x32 read
    // The bit means nothing under the other architectures.
    expect(call(prog, I386, X32_BIT | 182)).toBe(ALLOW);
    expect(call(prog, I386, 182)).toBe(SUCCEED);
  });

  test("only the architectures asked for are covered", () => {
    const native = buildFilter({ chown: true, sync: true }, ["x86_64"]);
    expect(call(native, X86_64, 92)).toBe(SUCCEED);
    expect(call(native, X86_64, X32_BIT | 92)).toBe(ALLOW);
    expect(call(native, I386, 182)).toBe(ALLOW);

    const x32Only = buildFilter({ chown: true, sync: false }, ["x32"]);
    expect(call(x32Only, X86_64, X32_BIT | 92)).toBe(SUCCEED);
    expect(call(x32Only, X86_64, 92)).toBe(ALLOW);

    const compat = buildFilter({ chown: false, sync: true }, ["arm"]);
    expect(call(compat, ARM, 341)).toBe(SUCCEED);
    expect(call(compat, AARCH64, 81)).toBe(ALLOW);
  });

  test("the same architecture twice changes nothing", () => {
    const once = buildFilter({ chown: true, sync: true }, ["aarch64"]);
    expect(buildFilter({ chown: true, sync: true }, ["aarch64", "aarch64"])).toEqual(once);
  });

  test("nothing to suppress is a single ret ALLOW", () => {
    const prog = buildFilter({ chown: false, sync: false }, nativeArches("x64"));
    expect(Array.from(prog)).toEqual([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);
  });

  test("the largest filters keep every jump inside the program", () => {
    for (const arches of Object.values(SETS)) {
      const insns = decode(buildFilter({ chown: true, sync: true }, arches));
      expect(insns.length).toBeLessThan(256);
      insns.forEach((insn, pc) => {
        if ((insn.code & 0x07) !== 0x05) return;
        expect(pc + 1 + insn.jt).toBeLessThan(insns.length);
        expect(pc + 1 + insn.jf).toBeLessThan(insns.length);
      });
      expect(insns.at(-1)?.code).toBe(0x06);
    }
  });

  test("the x64 filter has one compare per suppressed number", () => {
    const insns = decode(buildFilter({ chown: true, sync: true }, nativeArches("x64")));
    const compared = insns.filter((i) => i.code === 0x15).map((i) => i.k);
    // 2 arch compares, then 10 x86_64 + 10 x32 under X86_64 and 13 under I386
    expect(compared.slice(0, 2).sort()).toEqual([I386, X86_64].sort());
    expect(compared.length).toBe(2 + 10 + 10 + 13);
  });

  test("describeFilter names every architecture", () => {
    for (const arches of Object.values(SETS)) {
      const text = describeFilter({ chown: true, sync: true }, arches).join("\n");
      for (const arch of arches) expect(text).toContain(arch);
      expect(text).toContain("ret #0x50000");
      expect(text).toContain("ret #0x7fff0000");
    }
    const arm = describeFilter({ chown: false, sync: true }, nativeArches("arm64")).join("\n");
    expect(arm).toContain("arm sync_file_range2");
    expect(arm).toContain("jeq #0x155"); // 341
  });

  test("filterProgram assembles to buildFilter", () => {
    const opts = { chown: true, sync: false };
    expect(assemble(filterProgram(opts, ["arm"]))).toEqual(buildFilter(opts, ["arm"]));
  });
});

describe("assembler", () => {
  const tiny: Item[] = [
    ldAbsW(4),
    jeq(0xc000003e, "yes", null),
    retK(0x7fff0000),
    label("yes"),
    retK(0x00050000),
  ];

  test("bytes of a tiny program", () => {
    // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, little-endian
    expect(Array.from(assemble(tiny))).toEqual([
      0x20, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, // ld [4]
      0x15, 0x00, 0x01, 0x00, 0x3e, 0x00, 0x00, 0xc0, // jeq #0xc000003e, jt +1, jf +0
      0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f, // ret #0x7fff0000
      0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, // ret #0x00050000
    ]);
  });

  test("labels resolve to offsets from the next instruction", () => {
    const prog = assemble([
      ldAbsW(0),
      jeq(1, "a", null),
      jeq(2, "b", "c"),
      label("a"),
      retK(1),
      label("b"),
      label("b2"),
      retK(2),
      ja("c"),
      label("c"),
      retK(3),
    ]);
    const insns = decode(prog);
    expect(insns.map((i) => [i.jt, i.jf])).toEqual([[0, 0], [1, 0], [1, 3], [0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(insns[5]?.k).toBe(0);
    expect(run(prog, { nr: 1, arch: 0 })).toBe(1);
    expect(run(prog, { nr: 2, arch: 0 })).toBe(2);
    expect(run(prog, { nr: 3, arch: 0 })).toBe(3);
  });

  test("jumps must go forward", () => {
    expect(() => assemble([label("top"), ldAbsW(0), jeq(1, "top", null), retK(0)])).toThrow(BpfError);
    expect(() => assemble([ldAbsW(0), label("self"), jeq(1, "self", null), retK(0)])).toThrow(/not forward/);
    expect(() => assemble([label("top"), ldAbsW(0), ja("top"), retK(0)])).toThrow(/not forward/);
  });

  test("bad labels", () => {
    expect(() => assemble([ldAbsW(0), jeq(1, "nowhere", null), retK(0)])).toThrow(/undefined label nowhere/);
    expect(() => assemble([label("x"), ldAbsW(0), label("x"), retK(0)])).toThrow(/twice/);
    expect(() => assemble([ldAbsW(0), jeq(1, "end", null), retK(0), label("end")])).toThrow(/off the end/);
  });

  test("conditional jumps reach at most 255 instructions", () => {
    const pad = (n: number): Item[] => Array.from({ length: n }, () => ldAbsW(0));
    const far = (n: number) => assemble([ldAbsW(0), jeq(1, "t", null), ...pad(n), label("t"), retK(7), retK(8)]);
    expect(decode(far(255))[1]?.jt).toBe(255);
    expect(() => far(256)).toThrow(/more than 255/);
    // BPF_JA has 32 bits of offset
    const long = assemble([ldAbsW(0), ja("t"), ...pad(300), label("t"), retK(7)]);
    expect(decode(long)[1]?.k).toBe(300);
    expect(run(long, { nr: 0, arch: 0 })).toBe(7);
  });

  test("the program must end in a return and k must fit in 32 bits", () => {
    expect(() => assemble([])).toThrow(/empty/);
    expect(() => assemble([retK(0), ldAbsW(0)])).toThrow(/return/);
    expect(() => assemble([retK(0x1_0000_0000)])).toThrow(/32-bit/);
    expect(() => assemble([retK(1.5)])).toThrow(/32-bit/);
    expect(decode(assemble([retK(-1)]))[0]?.k).toBe(0xffffffff);
  });

  test("disassemble and describe", () => {
    expect(disassemble(assemble(tiny))).toEqual([
      "0: ld [4]",
      "1: jeq #0xc000003e, 3, 2",
      "2: ret #0x7fff0000",
      "3: ret #0x50000",
    ]);
    const lines = describeProgram([ldAbsW(4, "arch"), stmt(BPF_ALU | BPF_AND | BPF_K, 0xff), retK(0, "done")]);
    expect(lines[0]).toMatch(/^0: ld \[4\] +; arch$/);
    expect(lines[1]).toBe("1: and #0xff");
    expect(lines[2]).toMatch(/^2: ret #0x0 +; done$/);
  });
});

describe("interpreter", () => {
  test("runs loads, AND, JSET, JGT, JGE", () => {
    const prog = assemble([
      ldAbsW(4),
      stmt(BPF_ALU | BPF_AND | BPF_K, 0xff),
      jeq(0x3e, null, "no"),
      ldAbsW(16), // args[0], low half
      jeq(0x1234, "yes", "no"),
      label("yes"),
      retK(1),
      label("no"),
      retK(2),
    ]);
    expect(run(prog, { nr: 0, arch: 0xc000003e, args: [0x1234n] })).toBe(1);
    expect(run(prog, { nr: 0, arch: 0xc000003e, args: [0x1235n] })).toBe(2);
    expect(run(prog, { nr: 0, arch: 0xc00000b7, args: [0x1234n] })).toBe(2);
  });

  test("rejects running off the end, bad jumps and bad loads", () => {
    const raw = (...words: [number, number, number, number][]) => {
      const b = new Uint8Array(words.length * 8);
      const v = new DataView(b.buffer);
      words.forEach(([code, jt, jf, k], i) => {
        v.setUint16(i * 8, code, true);
        v.setUint8(i * 8 + 2, jt);
        v.setUint8(i * 8 + 3, jf);
        v.setUint32(i * 8 + 4, k, true);
      });
      return b;
    };
    expect(() => run(raw([0x20, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(InterpError);
    expect(() => run(raw([0x15, 5, 0, 0], [0x06, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(/past the end/);
    expect(() => run(raw([0x05, 0, 0, 1], [0x06, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(/past the end/);
    expect(() => run(raw([0x20, 0, 0, 2], [0x06, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(/bad load/);
    expect(() => run(raw([0x20, 0, 0, 64], [0x06, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(/bad load/);
    expect(() => run(raw([0x07, 0, 0, 0], [0x06, 0, 0, 0]), { nr: 0, arch: 0 })).toThrow(/unsupported/);
  });
});

describe("import graph", () => {
  test("src/seccomp stays pure: no bun:ffi, no imports outside the directory", () => {
    const dir = join(import.meta.dir, "..", "src", "seccomp");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const src = readFileSync(join(dir, file), "utf8");
      expect(src).not.toMatch(/\b(?:import|require)\s*\(/); // no dynamic loads
      for (const m of src.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) {
        expect({ file, spec: m[1] }).toEqual({ file, spec: expect.stringMatching(/^\.\/[a-z-]+\.ts$/) });
      }
    }
  });
});

describe("no libseccomp", () => {
  // The filter is assembled in TypeScript: neither the sources nor the
  // compiled binary name libseccomp, and the binary's dynamic section needs
  // only what the Bun runtime itself needs.
  const ROOT_DIR = new URL("..", import.meta.url).pathname;
  test("the compiled binary does not refer to libseccomp", () => {
    const bin = `${ROOT_DIR}dist/tsbox`;
    if (!require("node:fs").existsSync(bin)) throw new Error(`${bin} missing: npm run build`);
    const ldd = require("node:child_process").spawnSync("ldd", [bin], { encoding: "utf8" }).stdout as string;
    expect(ldd).not.toContain("seccomp");
    // Nor does any string in it (a dlopen of "libseccomp.so.2" would need one).
    expect(readFileSync(bin).includes("libseccomp")).toBe(false);
    // The sources load only libc, and only through src/kernel/ffi.ts.
    const grep = require("node:child_process").spawnSync("grep", ["-rn", "seccomp.so", `${ROOT_DIR}src`], { encoding: "utf8" });
    expect(grep.stdout).toBe("");
  });
});

// The one place where tsbox touches bun:ffi: a binding of libc's syscall(2)
// and errno, plus helpers that turn JS values into the buffers the kernel
// reads. Every argument is declared "ptr" so that a Uint8Array is passed as
// its address and stays alive for the duration of the call; plain numbers
// (fds, flags, AT_FDCWD) are passed as integers.

import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { ARCH } from "./arch.ts";

/** A syscall argument: an integer, a buffer the kernel reads or fills, or NULL. */
export type Arg = number | Uint8Array | null;

const LIBC_NAMES = ["libc.so.6", `libc.musl-${ARCH.name}.so.1`, "libc.so"];

function openLibc() {
  let last: unknown;
  for (const name of LIBC_NAMES) {
    try {
      return dlopen(name, {
        // Binding only these two keeps start-up short: dlopen compiles one
        // trampoline per symbol.
        syscall: { args: ["ptr", "ptr", "ptr", "ptr", "ptr", "ptr", "ptr"], returns: FFIType.i64_fast },
        __errno_location: { args: [], returns: "ptr" },
      });
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`cannot load the C library (${LIBC_NAMES.join(", ")}): ${String(last)}`);
}

type RawSyscall = (nr: number, a: Arg, b: Arg, c: Arg, d: Arg, e: Arg, f: Arg) => number;
let rawSyscall: RawSyscall | undefined;
let errnoPtr: Pointer;

/** Loaded on first use, so that --help and --version never pay for dlopen. */
function load(): RawSyscall {
  const libc = openLibc();
  // errno is per thread; tsbox makes every call from the main thread, so the
  // address is fetched once.
  errnoPtr = (libc.symbols.__errno_location as () => Pointer)();
  return (rawSyscall = libc.symbols.syscall as unknown as RawSyscall);
}

/** The result of one raw syscall: a non-negative value, or -1 with errno. */
export function syscall(nr: number, a: Arg = 0, b: Arg = 0, c: Arg = 0, d: Arg = 0, e: Arg = 0, f: Arg = 0): { ret: number; errno: number } {
  const ret = (rawSyscall ?? load())(nr, a, b, c, d, e, f);
  return { ret, errno: ret < 0 ? read.i32(errnoPtr, 0) : 0 };
}

const encoder = new TextEncoder();

/** A NUL-terminated copy of `s` for the kernel. */
export function cstr(s: string): Uint8Array {
  // Short strings (most paths) are copied directly when ASCII, which is
  // several times cheaper than the encoder; long ones go to the encoder.
  const n = s.length;
  if (n <= 64) {
    const ascii = new Uint8Array(n + 1);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      ascii[i] = c;
    }
    if (i === n) return ascii;
  }
  const out = new Uint8Array(s.length * 3 + 1);
  const { written } = encoder.encodeInto(s, out);
  return out.subarray(0, written + 1);
}

/**
 * A NULL-terminated array of pointers to NUL-terminated strings (argv,
 * envp). All strings share one buffer, so only its base address is asked
 * for; the pointers are written as two 32-bit halves (no BigInt).
 */
export function cstrArray(items: readonly string[]): { array: Uint8Array; keep: Uint8Array[] } {
  const parts = items.map(cstr);
  let total = 0;
  for (const p of parts) total += p.length;
  const strings = new Uint8Array(total);
  const table = new Uint32Array((items.length + 1) * 2);
  const base = addressOf(strings);
  let off = 0;
  parts.forEach((p, i) => {
    strings.set(p, off);
    const at = base + off;
    table[2 * i] = at % 0x100000000; // little-endian: low half first
    table[2 * i + 1] = Math.floor(at / 0x100000000);
    off += p.length;
  });
  return { array: new Uint8Array(table.buffer), keep: [strings] };
}

export function addressOf(buf: Uint8Array | BigUint64Array | Uint32Array): number {
  return ptr(buf);
}

// The buffers handed to the kernel: NUL-terminated UTF-8, on both the ASCII
// fast path and the encoder path.

import { expect, test } from "bun:test";
import { ptr } from "bun:ffi";
import { cstr, cstrArray } from "../src/kernel/ffi.ts";

test("cstr: ASCII and non-ASCII strings are NUL-terminated UTF-8", () => {
  for (const s of ["/usr/lib", "", "é/ü", "a\u{1F600}b", "x".repeat(5000)]) {
    const b = cstr(s);
    expect(b[b.length - 1]).toBe(0);
    expect(Buffer.from(b.subarray(0, b.length - 1)).equals(Buffer.from(s, "utf8"))).toBe(true);
  }
});

test("cstrArray: one pointer per string into one buffer, then NULL", () => {
  const { array, keep } = cstrArray(["a", "bc", "é"]);
  const ptrs = new BigUint64Array(array.buffer);
  expect(ptrs.length).toBe(4);
  expect(ptrs[3]).toBe(0n);
  expect(keep.length).toBe(1);
  expect([...keep[0]!]).toEqual([0x61, 0, 0x62, 0x63, 0, 0xc3, 0xa9, 0]);
  const base = BigInt(ptr(keep[0]!));
  expect([...ptrs.subarray(0, 3)].map((p) => p - base)).toEqual([0n, 2n, 5n]);
});

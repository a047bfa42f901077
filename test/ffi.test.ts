// The buffers handed to the kernel: NUL-terminated UTF-8, on both the ASCII
// fast path and the encoder path.

import { expect, test } from "bun:test";
import { cstr, cstrArray } from "../src/kernel/ffi.ts";

test("cstr: ASCII and non-ASCII strings are NUL-terminated UTF-8", () => {
  for (const s of ["/usr/lib", "", "é/ü", "a\u{1F600}b", "x".repeat(5000)]) {
    const b = cstr(s);
    expect(b[b.length - 1]).toBe(0);
    expect(Buffer.from(b.subarray(0, b.length - 1)).equals(Buffer.from(s, "utf8"))).toBe(true);
  }
});

test("cstrArray: one pointer per string, then NULL", () => {
  const { array, keep } = cstrArray(["a", "bc"]);
  expect(array.length).toBe(3);
  expect(array[2]).toBe(0n);
  expect(keep.map((k) => k.length)).toEqual([2, 3]);
  expect(array[0]).not.toBe(0n);
});

import { expect, test } from "bun:test";
import { oneLine } from "../src/errors.ts";

test("oneLine: control characters become visible escapes, everything else stays", () => {
  expect(oneLine("a\nb")).toBe("a\\nb");
  expect(oneLine("t\tr\r")).toBe("t\\tr\\r");
  expect(oneLine("\x1b[31m\x00\x7f")).toBe("\\x1b[31m\\x00\\x7f");
  expect(oneLine("/usr/lib é 🐢")).toBe("/usr/lib é 🐢");
});

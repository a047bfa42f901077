// The initramfs case: "/" is rootfs, pivot_root refuses, and tsbox falls
// back to MS_MOVE + chroot. Only a real boot shows it, so this boots a kernel
// under qemu-system (scripts/check-initramfs.ts) when the machine has the
// tools (.ci/run installs them); elsewhere it is skipped.

import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

const ready = process.arch === "x64"
  && spawnSync("which", ["qemu-system-x86_64"]).status === 0
  && existsSync("/bin/busybox")
  && existsSync("/boot") && readdirSync("/boot").some((f) => f.startsWith("vmlinuz-"));

test.skipIf(!ready)("tsbox runs in an initramfs whose root is rootfs", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "check-initramfs.ts")], { encoding: "utf8", timeout: 600_000 });
  expect(r.stdout).toContain("tsbox-check: root is rootfs");
  expect(r.stdout).toContain("tsbox-check: ok");
  expect(r.stdout).toContain("check-initramfs: PASS");
  expect(r.status).toBe(0);
}, 600_000);

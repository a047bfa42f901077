// Boots a kernel under qemu-system (software emulation) with an initramfs
// whose root is rootfs, where pivot_root refuses ("not attached"), and runs
// tsbox there as PID 1's child: the MS_MOVE + chroot fallback in
// src/sandbox/rootfs.ts. Needs Debian's qemu-system-x86, linux-image-amd64,
// busybox-static and cpio; x86_64 only.
//
//   bun scripts/check-initramfs.ts [--binary dist/tsbox]

import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const bin = args[0] === "--binary" && args[1] ? args[1] : join(ROOT, "dist", "tsbox");

function fail(msg: string): never {
  console.error(`check-initramfs: ${msg}`);
  process.exit(1);
}

const kernel = readdirSync("/boot").filter((f) => f.startsWith("vmlinuz-")).sort().pop();
if (!kernel) fail("no /boot/vmlinuz-*: apt-get install linux-image-amd64");
for (const tool of ["qemu-system-x86_64", "cpio"]) if (spawnSync("which", [tool]).status !== 0) fail(`${tool} missing: apt-get install qemu-system-x86 cpio`);
if (!existsSync("/bin/busybox")) fail("/bin/busybox missing: apt-get install busybox-static");

const dir = mkdtempSync("/tmp/tsbox-initramfs-");
let ok = false;
try {
  const root = join(dir, "root");
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "lib64"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  copyFileSync(bin, join(root, "bin", "tsbox"));
  chmodSync(join(root, "bin", "tsbox"), 0o755);
  // The dynamic loader and libraries the Bun runtime links against.
  const ldd = [bin, "/bin/busybox"].map((f) => spawnSync("ldd", [f], { encoding: "utf8" }).stdout ?? "").join("\n");
  for (const m of ldd.matchAll(/(\/\S+\.so[^\s]*)/g)) {
    const lib = m[1]!;
    const dst = join(root, lib);
    mkdirSync(join(dst, ".."), { recursive: true });
    copyFileSync(lib, dst);
  }
  writeFileSync(join(root, "init"), `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox echo "tsbox-check: root is $(/bin/busybox awk '$5 == "/" {print $9}' /proc/self/mountinfo)"
/bin/tsbox --debug --ro-bind / / --tmpfs /tmp --dev /dev -- /bin/busybox sh -c 'echo tsbox-check: inside $(/bin/busybox cat /proc/self/mountinfo | /bin/busybox wc -l) mounts; echo tsbox-check: ok' 2>&1
/bin/busybox echo "tsbox-check: status $?"
/bin/busybox poweroff -f
`);
  chmodSync(join(root, "init"), 0o755);
  const cpio = spawnSync("sh", ["-c", `cd ${root} && find . | cpio -o -H newc --quiet | gzip -1 > ${dir}/initrd.gz`]);
  if (cpio.status !== 0) throw new Error("cpio failed");
  const r = spawnSync("qemu-system-x86_64", [
    "-m", "2048", "-cpu", "max", "-nographic", "-no-reboot", "-kernel", `/boot/${kernel}`, "-initrd", `${dir}/initrd.gz`,
    "-append", "console=ttyS0 quiet panic=-1 rdinit=/init",
  ], { encoding: "utf8", timeout: 600_000 });
  const lines = (r.stdout ?? "").split(/\r?\n/).filter((l) => l.includes("tsbox"));
  for (const l of lines) console.log(l);
  ok = lines.some((l) => l.includes("tsbox-check: ok")) && lines.some((l) => l.includes("tsbox-check: status 0"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!ok) fail("tsbox did not run in the initramfs (see above)");
console.log("check-initramfs: PASS");

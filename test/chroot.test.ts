// tsbox run as root inside a chroot. A chroot whose directory is a mount
// point works like any root. A plain chroot ("/" is not a mount point) is
// refused in one line before anything is mounted: its mount cannot be cut
// from the host's propagation by path.

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { BUILT, hostMounts, scratch } from "./helpers.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function chrootDir(): string {
  const d = scratch("tsbox-chroot-");
  dirs.push(d);
  for (const sub of ["usr", "proc", "tmp", "dev"]) mkdirSync(join(d, sub));
  for (const l of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${l}`, join(d, l));
  copyFileSync(BUILT, join(d, "tsbox"));
  return d;
}

const ARGS = "--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --dev /dev -- /usr/bin/sh -c 'echo inside; cut -d\" \" -f5 /proc/self/mountinfo 2>/dev/null | head -1'";

describe("root inside a chroot", () => {
  test("the chroot directory is a mount point: works", () => {
    const d = chrootDir();
    const before = hostMounts();
    const r = spawnSync("unshare", ["-m", "sh", "-c",
      `mount --bind ${d} ${d} && mount --rbind /usr ${d}/usr && mount -t proc proc ${d}/proc && mount --rbind /dev ${d}/dev && chmod 755 ${d}/tsbox && exec chroot ${d} /tsbox ${ARGS}`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("inside\n");
    expect(r.status).toBe(0);
    expect(hostMounts()).toBe(before);
  });

  test("a plain chroot: refused in one line, nothing mounted", () => {
    const d = chrootDir();
    const before = hostMounts();
    const r = spawnSync("unshare", ["-m", "sh", "-c",
      `mount --rbind /usr ${d}/usr && mount -t proc proc ${d}/proc && chmod 755 ${d}/tsbox && exec chroot ${d} /tsbox ${ARGS}`], { encoding: "utf8" });
    expect(r.status).toBe(125);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("/ is not a mount point");
    expect(lines[0]).toContain("mount --bind");
    expect(hostMounts()).toBe(before);
  });
});

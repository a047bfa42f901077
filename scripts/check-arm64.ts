// Runs the aarch64 release executable under qemu-user and checks what can be
// checked there.
//
//   bun scripts/check-arm64.ts [--build] [BINARY]     (default: dist/tsbox-linux-arm64)
//     --build   build BINARY first if it is missing (from the runtime cache,
//               see scripts/build.ts; only the arm64 executable is written)
//
// Needs qemu-aarch64 and an aarch64 sysroot in /usr/aarch64-linux-gnu
// (Debian: qemu-user, libc6-arm64-cross). Exit status 0 when every check
// passes; each probe's outcome is printed either way.
//
// What qemu-user can and cannot tell (qemu 7.2 from Debian 12, measured):
//   - qemu-user emulates the CPU and translates each aarch64 syscall number to
//     the host's call, which then runs on the host kernel. So a wrong number in
//     the aarch64 table of src/kernel/arch.ts shows up here as a wrong call.
//   - Checked: the runtime starts, the bundle and its bytecode load, bun:ffi
//     works (dlopen of libc via the sysroot), --version, --help, usage errors
//     (125), and as root the whole namespace path without filesystem options:
//     unshare(CLONE_NEWNS|CLONE_NEWNET|CLONE_NEWIPC), mount(MS_SLAVE), the
//     staging and root tmpfs mounts, pivot_root, mkdirat, openat, chdir,
//     umount2, socket and the loopback ioctls, capget, rt_sigaction and
//     rt_sigprocmask, and the execve search, which ends in 127 in the empty
//     root.
//   - Not checkable with qemu 7.2: every filesystem option (--ro-bind, --tmpfs,
//     ...) needs openat2, fsopen/fsmount/open_tree/move_mount or
//     mount_setattr, which this qemu does not know: they fail with ENOSYS and
//     tsbox exits 125 naming the call. A qemu that knows them would run them.
//   - Not checkable with any qemu-user: seccomp (--suppress-chown,
//     --suppress-sync): qemu refuses seccomp(2) with ENOSYS, since a filter
//     would apply to qemu's own host syscalls. The unprivileged path: qemu
//     runs its own RCU thread, so the process never has the single thread
//     the kernel demands for unshare(CLONE_NEWUSER), and the re-exec of
//     /proc/self/exe (an aarch64 file) fails with ENOEXEC unless binfmt_misc
//     has a qemu handler registered.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OPTIONS } from "../src/cli/options.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const SYSROOT = "/usr/aarch64-linux-gnu";
export const DEFAULT_BINARY = join(ROOT, "dist", "tsbox-linux-arm64");

export function qemuAvailable(): boolean {
  return spawnSync("qemu-aarch64", ["--version"], { encoding: "utf8" }).status === 0 && existsSync(join(SYSROOT, "lib"));
}

export interface Probe {
  readonly name: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** undefined: passed; otherwise what was wrong. */
  readonly failure: string | undefined;
}

function qemu(binary: string, args: readonly string[], asNobody = false) {
  const cmd = ["qemu-aarch64", "-L", SYSROOT, binary, ...args];
  if (asNobody) cmd.unshift("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups");
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    encoding: "utf8", timeout: 120_000, cwd: "/",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runChecks(binary: string, version: string): Probe[] {
  const probes: Probe[] = [];
  const probe = (name: string, args: readonly string[], check: (r: ReturnType<typeof qemu>) => string | undefined, asNobody = false) => {
    const r = qemu(binary, args, asNobody);
    probes.push({ name, ...r, failure: check(r) });
  };
  const expect = (cond: boolean, what: string) => (cond ? undefined : what);

  probe("--version", ["--version"], (r) => expect(r.status === 0 && r.stdout === `tsbox ${version}\n` && r.stderr === "", `want "tsbox ${version}" and status 0`));
  probe("--help", ["--help"], (r) => {
    if (r.status !== 0 || !r.stdout.startsWith("Usage: tsbox ")) return "want the usage text and status 0";
    const missing = OPTIONS.filter((o) => !r.stdout.includes(o.flag)).map((o) => o.flag);
    return expect(missing.length === 0, `options missing from --help: ${missing.join(" ")}`);
  });
  probe("usage error", ["--no-such-option"], (r) =>
    expect(r.status === 125 && r.stderr === "tsbox: --no-such-option: unknown option (see --help)\n" && r.stdout === "", "want one line on stderr and status 125"));
  if (process.getuid?.() === 0) {
    probe("namespaces, empty root (root)", ["--unshare-net", "--unshare-ipc", "--", "/bin/true"], (r) =>
      expect(r.status === 127 && r.stderr === "tsbox: /bin/true: command not found\n", "want 127: the sandbox is set up and its root is empty"));
    probe("--ro-bind / / (root)", ["--ro-bind", "/", "/", "--", "/bin/true"], (r) =>
      expect(r.status === 0 || (r.status === 125 && /\(ENOSYS\)/.test(r.stderr)), "want 0, or 125 with ENOSYS from a qemu without openat2/the new mount API"));
    probe("--suppress-sync (root)", ["--suppress-sync", "--", "/bin/true"], (r) =>
      expect(r.status === 127 || (r.status === 125 && /seccomp.*ENOSYS/.test(r.stderr)), "want 127, or 125 with seccomp ENOSYS"));
    // The unprivileged path: needs a user namespace, so a single thread, which qemu never has.
    probe("user namespace (uid 65534)", ["--", "/bin/true"], (r) =>
      expect(r.status === 127 || (r.status === 125 && /(re-executing.*ENOEXEC|threads)/.test(r.stderr)),
        "want 127, or 125 because the re-exec or unshare(CLONE_NEWUSER) cannot work under qemu-user"), true);
  }
  return probes;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const buildIfMissing = args.includes("--build");
  const binary = args.find((a) => !a.startsWith("--")) ?? DEFAULT_BINARY;
  if (!qemuAvailable()) {
    console.error(`check-arm64: needs qemu-aarch64 and ${SYSROOT}/lib (Debian: apt-get install qemu-user libc6-arm64-cross)`);
    process.exit(2);
  }
  if (!existsSync(binary)) {
    if (!buildIfMissing) {
      console.error(`check-arm64: ${binary} is missing (bun scripts/build.ts --target linux-arm64, or pass --build)`);
      process.exit(2);
    }
    const { build, parseBuildArgs } = await import("./build.ts");
    build(parseBuildArgs(["--target", "linux-arm64", "--outdir", join(binary, "..")]));
    if (!existsSync(binary)) {
      console.error(`check-arm64: --build makes tsbox-linux-arm64, not ${binary}`);
      process.exit(2);
    }
  }
  const { version } = JSON.parse(await Bun.file(join(ROOT, "package.json")).text()) as { version: string };
  let failed = 0;
  for (const p of runChecks(binary, version)) {
    const mark = p.failure === undefined ? "ok  " : "FAIL";
    if (p.failure !== undefined) failed++;
    const detail = (p.stderr.trim() || p.stdout.trim().split("\n")[0] || "").slice(0, 160);
    console.log(`${mark} ${p.name}: status ${p.status}${detail ? `: ${detail}` : ""}${p.failure ? ` (${p.failure})` : ""}`);
  }
  process.exit(failed === 0 ? 0 : 1);
}

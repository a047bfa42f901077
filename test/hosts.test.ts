// Unfriendly hosts: no unprivileged user namespaces, a seccomp policy or an
// old kernel that refuses a system call tsbox needs, a host without /tmp or
// with a read-only one, no /proc, and signals that arrive in the middle of
// setup. Every failure must be exit 125 with ONE line on stderr that names
// what is wrong and what to change; nothing may be left behind on the host.
//
// Each host is emulated without touching the real one: in a user namespace
// of our own (a sysctl written there limits that namespace only), behind a
// seccomp filter loaded by test/fixtures/seccomp-launch.ts, or in a mount
// namespace of our own (unshare -m; util-linux makes it private, so nothing
// propagates back).

import { afterAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { binary, hostMounts, MODES, NOBODY, ROOT, type Mode, type Run } from "./helpers.ts";

const BUN = join(ROOT, "node_modules", ".bin", "bun");
const LAUNCHER = join(ROOT, "test", "fixtures", "seccomp-launch.ts");
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };
const AS_NOBODY = ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups"];
const T = 60_000;

/** Run argv (with setpriv in front when `mode` is "user"). */
function run(mode: Mode, argv: readonly string[], timeoutMs = 30_000): Run {
  const full = mode === "user" ? [...AS_NOBODY, ...argv] : [...argv];
  const r = spawnSync(full[0]!, full.slice(1), { cwd: "/", env: ENV, encoding: "utf8", timeout: timeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** What tsbox printed in each case, shown at the end for the report. */
const printed: string[] = [];
afterAll(() => {
  console.log(`messages tsbox printed on unfriendly hosts:\n${printed.map((l) => `  ${l}`).join("\n")}`);
});

/** The one stderr line of a setup failure; fails the test unless status 125 and exactly one "tsbox: " line. */
function oneLine(what: string, r: Run): string {
  printed.push(`[${what}] status=${r.status} signal=${r.signal} stderr=${JSON.stringify(r.stderr.length > 600 ? `${r.stderr.slice(0, 600)}...` : r.stderr)}`);
  expect({ status: r.status, signal: r.signal }).toEqual({ status: 125, signal: null });
  expect(r.stderr).toMatch(/^tsbox: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/^\s+at |\.ts:\d|^error:|internal error/m);
  return r.stderr.trimEnd();
}

// ---------------------------------------------------------------------------
describe("unprivileged user namespaces disabled", () => {
  // In a user namespace of our own we are "root" with every capability, so
  // tsbox would not need a new user namespace. Dropping CAP_SYS_ADMIN from
  // the bounding set (setpriv) makes it need one, as on an unprivileged
  // host; writing 0 to user.max_user_namespaces in our namespace makes the
  // kernel refuse it (ENOSPC), as on a host that disabled them.
  const inOwnUserns = (disable: boolean, args: readonly string[]) => [
    "unshare", "--user", "--map-root-user", "sh", "-c",
    `${disable ? "echo 0 > /proc/sys/user/max_user_namespaces && " : ""}exec setpriv --bounding-set=-sys_admin --inh-caps=-all "$0" "$@"`,
    binary(), ...args,
  ];

  for (const mode of MODES) {
    test(`${mode}: control — the same construction without the sysctl works, through a new user namespace`, () => {
      const r = run(mode, inOwnUserns(false, ["--ro-bind", "/", "/", "--", "cat", "/proc/self/uid_map"]));
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      // tsbox's own one-id map: uid 0 of the namespace above maps to itself.
      expect(r.stdout.trim().split(/\s+/)).toEqual(["0", "0", "1"]);
    }, T);

    for (const extra of [[], ["--become-root"]]) {
      test(`${mode}: user.max_user_namespaces=0 ${extra.join(" ")}`, () => {
        const line = oneLine(`userns disabled, ${mode} ${extra.join(" ")}`, run(mode, inOwnUserns(true, [...extra, "--ro-bind", "/", "/", "true"])));
        expect(line).toContain("unshare");
        expect(line).toContain("user.max_user_namespaces");
        expect(line).toContain("kernel.unprivileged_userns_clone");
        expect(line).toContain("kernel.apparmor_restrict_unprivileged_userns");
      }, T);
    }
  }
});

// ---------------------------------------------------------------------------
describe("a seccomp policy or an old kernel refuses a system call", () => {
  // As nobody, the launcher itself runs unprivileged (it sets
  // PR_SET_NO_NEW_PRIVS before loading the filter); the filter survives its
  // execve into tsbox and tsbox's own re-exec.
  const launch = (mode: Mode, call: string, errno: string, args: readonly string[]) =>
    run(mode, [BUN, LAUNCHER, call, errno, binary(), ...args]);
  const ARGS = ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--", "true"];

  for (const mode of MODES) {
    test(`${mode}: control — a filter on an unused call number lets tsbox run, and the command runs filtered`, () => {
      const r = launch(mode, "1000", "ENOSYS", ["--ro-bind", "/", "/", "--", "grep", "^Seccomp:", "/proc/self/status"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split(/\s+/)).toEqual(["Seccomp:", "2"]); // SECCOMP_MODE_FILTER
    }, T);

    // unshare(2) makes the namespaces; mount(2) cuts propagation (root) or
    // mounts the staging tmpfs (unprivileged).
    for (const call of ["unshare", "mount"]) {
      for (const errno of ["EPERM", "ENOSYS"]) {
        test(`${mode}: ${call} -> ${errno}`, () => {
          const line = oneLine(`seccomp ${call}=${errno}, ${mode}`, launch(mode, call, errno, ARGS));
          expect(line).toContain(call);
          expect(line).toContain(errno);
          // Something to act on: the policy, the sysctls, or running as root.
          expect(line).toMatch(/seccomp|container|sysctl|as root/);
        }, T);
      }
    }

    // --ro-bind / / uses openat2, open_tree, mount_setattr and move_mount;
    // --tmpfs uses fsopen, fsconfig and fsmount.
    for (const call of ["openat2", "open_tree", "mount_setattr", "move_mount", "fsopen", "fsconfig", "fsmount"]) {
      test(`${mode}: ${call} -> ENOSYS (a kernel without the new mount API)`, () => {
        const line = oneLine(`seccomp ${call}=ENOSYS, ${mode}`, launch(mode, call, "ENOSYS", ARGS));
        expect(line).toContain(call);
        expect(line).toContain("ENOSYS");
        expect(line).toContain("kernel");
        expect(line).toContain("5.12");
      }, T);
    }
  }
});

// ---------------------------------------------------------------------------
describe("/tmp missing or read-only", () => {
  // tsbox mounts its staging tmpfs on the first existing directory of a
  // list that starts with /tmp; it writes nothing there, so a read-only /tmp
  // must work, and without /tmp another directory must serve.
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** An empty 0755 directory outside /tmp (the tests hide /tmp), removed at the end. */
  const outsideTmp = () => {
    const d = mkdtempSync("/var/tmp/tsbox-hosts-");
    chmodSync(d, 0o755);
    dirs.push(d);
    return d;
  };

  for (const mode of MODES) {
    test(`${mode}: a read-only tmpfs on /tmp`, () => {
      const bindir = outsideTmp();
      const user = mode === "user" ? AS_NOBODY.join(" ") : "";
      const before = hostMounts();
      // The binary lives under /tmp: bind its directory elsewhere before /tmp is covered.
      const r = run("root", [
        "unshare", "-m", "sh", "-c",
        `mount --bind "${dirname(binary())}" "${bindir}" && mount -t tmpfs -o ro tsbox-test-ro-tmp /tmp && ` +
          `exec ${user} "${bindir}/tsbox" --ro-bind / / -- sh -c 'echo ok; cut -d" " -f5,6 /proc/self/mountinfo | grep "^/tmp "'`,
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      // The sandbox sees the host's read-only /tmp, not a staging mount.
      expect(r.stdout).toMatch(/^ok\n\/tmp ro,/);
      expect(hostMounts()).toBe(before);
    }, T);

    for (const kind of ["absent", "a dangling symlink"] as const) {
      test(`${mode}: /tmp ${kind}, the root read-only, only /usr, /proc, /dev left to stage on`, () => {
        const root = outsideTmp();
        const links = ["bin", "lib", "lib64", "sbin"].filter((l) => existsSync(`/${l}`));
        const user = mode === "user" ? `/u/bin/${AS_NOBODY.join(" ")}` : "";
        const before = hostMounts();
        // A new root of our own, in our own mount namespace: /u is the
        // host's /usr (so not a staging candidate by name), /proc and /dev,
        // the binary's directory at /x; no /tmp, /mnt, /run, /var, /opt,
        // /srv, /home, /usr or /etc. Then pivot_root into it and make it
        // read-only, so tsbox cannot create anything there either.
        const script = [
          "set -e",
          `mount -t tmpfs -o mode=0755 tsbox-test-root "${root}"`,
          `cd "${root}"`,
          "mkdir u proc dev x oldroot",
          ...links.map((l) => `ln -s "$(readlink /${l} | sed 's#^usr/#u/#; s#^/usr/#/u/#')" ${l}`),
          kind === "a dangling symlink" ? "ln -s /nonexistent tmp" : ":",
          "mount --rbind /usr u", "mount --rbind /proc proc", "mount --rbind /dev dev",
          `mount --bind "${dirname(binary())}" x`,
          "pivot_root . oldroot", "cd /", "/u/bin/umount -l /oldroot", "/u/bin/rmdir /oldroot",
          "/u/bin/mount -o remount,bind,ro /",
          `exec ${user} /x/tsbox --ro-bind / / -- /bin/sh -c 'echo ok; /bin/ls -A /'`,
        ].join("\n");
        const r = run("root", ["unshare", "-m", "sh", "-c", script]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const expected = ["dev", "proc", "u", "x", ...links, ...(kind === "absent" ? [] : ["tmp"])].sort();
        expect(r.stdout.split("\n")[0]).toBe("ok");
        expect(r.stdout.trim().split("\n").slice(1).sort()).toEqual(expected);
        expect(hostMounts()).toBe(before);
        expect(readdirSync(root)).toEqual([]); // the tmpfs was only ever in that namespace
      }, T);
    }
  }
});

// ---------------------------------------------------------------------------
describe("/proc not mounted", () => {
  // A known limit, documented in the README: the compiled Bun runtime reads
  // its own executable through /proc/self/exe and aborts before any of
  // tsbox's code runs (a compiled hello-world does the same). What tsbox
  // can promise is that nothing happened: the abort comes before any
  // namespace or mount. This test pins that behaviour, so a runtime that
  // starts without /proc shows up here and the fallbacks in tsbox's own
  // code (no thread count, fds probed with fcntl) take over.
  for (const mode of MODES) {
    test(`${mode}: the runtime stops before tsbox does anything`, () => {
      const before = hostMounts();
      const user = mode === "user" ? AS_NOBODY.join(" ") : "";
      const r = run("root", [
        "unshare", "-m", "sh", "-c",
        `umount -l /proc && exec ${user} "${binary()}" --ro-bind / / -- sh -c 'echo ok'`,
      ]);
      printed.push(`[no /proc, ${mode}] status=${r.status} signal=${r.signal}`);
      expect(r.stdout).toBe("");
      expect(r.status === 134 || r.signal === "SIGABRT").toBe(true);
      expect(hostMounts()).toBe(before);
    }, T);
  }
});

// ---------------------------------------------------------------------------
describe("signals during setup", () => {
  // tsbox is one process from start to exec: it writes its own uid/gid
  // maps (no newuidmap helper, no child), and the staging and new roots
  // exist only in its private mount namespace. So a signal that kills it
  // at any point can leave no mount, no directory and no process behind.
  const STAGING = ["/tmp", "/mnt", "/run", "/var/tmp", "/opt", "/srv", "/home", "/usr", "/etc", "/proc", "/dev"];
  const stagingLeftovers = () =>
    STAGING.flatMap((d) => ["oldroot", "newroot", "scratch"].map((n) => `${d}/${n}`)).filter((p) => existsSync(p));

  /** Our children that are still around, zombies included. */
  const children = (): string[] => {
    const out: string[] = [];
    for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
      let stat: string;
      try { stat = readFileSync(`/proc/${pid}/stat`, "latin1"); } catch { continue; }
      // pid (comm) state ppid ...: comm may contain spaces, so split after the last ")".
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[1]) === process.pid) out.push(`${pid} ${stat.slice(stat.indexOf("("), stat.lastIndexOf(")") + 1)} ${rest[0]}`);
    }
    return out;
  };

  const ARGS = ["--ro-bind", "/", "/", "--tmpfs", "/tmp"];
  for (let i = 0; i < 500; i++) ARGS.push("--ro-bind", "/usr", `/tmp/b${i}`);
  const DELAYS = [0, 1, 2, 4, 7, 11, 16, 25, 40, 70, 120, 250];

  for (const mode of MODES) {
    test(`${mode}: SIGTERM and SIGINT at ${DELAYS.length} delays leave nothing behind`, async () => {
      const before = hostMounts();
      const leftoversBefore = stagingLeftovers();
      let killedBeforeCommand = 0;
      const childrenBefore = children(); // other test files may have their own
      for (const sig of ["SIGTERM", "SIGINT"] as const) {
        for (const delay of DELAYS) {
          // The command announces itself and then waits, so whenever the
          // signal lands (during setup or after exec) it ends the process.
          const argv = [...(mode === "user" ? AS_NOBODY : []), binary(), ...ARGS, "--", "sh", "-c", "echo started; exec sleep 30"];
          const child = spawn(argv[0]!, argv.slice(1), { cwd: "/", env: ENV, stdio: ["ignore", "pipe", "pipe"] });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (b: Buffer) => { stdout += b.toString(); });
          child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
          const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
            child.on("close", (code, signal) => res({ code, signal })));
          if (delay > 0) await Bun.sleep(delay);
          child.kill(sig);
          const end = await done;
          const pid = child.pid!;
          expect({ delay, sig, ...end, stderr }).toEqual({ delay, sig, code: null, signal: sig, stderr: "" });
          if (stdout === "") killedBeforeCommand++;
          // Reaped: the pid is gone, and no child of ours lingers (zombie or not).
          expect(existsSync(`/proc/${pid}`)).toBe(false);
          expect(children().filter((c) => !childrenBefore.includes(c))).toEqual([]);
          expect(hostMounts()).toBe(before);
          expect(stagingLeftovers()).toEqual(leftoversBefore);
        }
      }
      // At least some signals hit before the command started (during start-up or setup).
      printed.push(`[signals, ${mode}] ${killedBeforeCommand} of ${2 * DELAYS.length} signals landed before the command started`);
      expect(killedBeforeCommand).toBeGreaterThan(0);
    }, T);
  }
});

// Integration tests through the compiled binary, for every option, as root
// and as uid 65534: what the sandboxed command sees, and what the host looks
// like afterwards.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync, chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync,
  symlinkSync, writeFileSync,
} from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { OPTIONS } from "../src/cli/options.ts";
import {
  binary, hostMounts, MODES, NOBODY, parseMountinfo, scratch, sh, statusField, tsbox, type MountEntry, type Mode, type Run,
  type RunOptions,
} from "./helpers.ts";

setDefaultTimeout(60_000);

/** A minimal root: only /usr from the host, plus the usual symlinks and /proc. */
const BASE = [
  "--ro-bind", "/usr", "/usr",
  "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
  "--proc", "/proc",
];
const HOST_ROOT = ["--ro-bind", "/", "/"];

/** A name nothing else uses, for paths that must never show up on the host. */
const TOKEN = `tsbox-cli-${process.pid}`;
const uidOf = (mode: Mode) => (mode === "root" ? 0 : NOBODY);

function details(r: Run): string {
  return `exit ${r.status} signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Expect success; the command's stdout. */
function ok(r: Run): string {
  if (r.status !== 0) throw new Error(`expected exit 0, got ${details(r)}`);
  return r.stdout;
}

/** A tsbox setup or usage failure: exit 125 and one line "tsbox: ..." containing each needle. */
function setupFailure(r: Run, ...needles: string[]): string {
  if (r.status !== 125) throw new Error(`expected exit 125, got ${details(r)}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines.length).toBe(1);
  const line = lines[0]!;
  expect(line.startsWith("tsbox: ")).toBe(true);
  for (const n of needles) expect(line).toContain(n);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain(".ts:");
  return line;
}

/** The argv that runs tsbox as the mode's user (like helpers.tsbox). */
function command(mode: Mode, args: readonly string[]): [string, string[]] {
  const bin = binary();
  return mode === "root"
    ? [bin, [...args]]
    : ["setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", bin, ...args]];
}

const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };

/** Like helpers.sh, but with the pid the process was started as. */
function shWithPid(mode: Mode, args: readonly string[], script: string): Run & { pid: number } {
  const [cmd, argv] = command(mode, [...args, "--", "/bin/sh", "-c", script]);
  const r = spawnSync(cmd, argv, { cwd: "/", env: ENV, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid };
}

/** Run tsbox under a umask of 077. */
function withUmask077(mode: Mode, args: readonly string[]): Run {
  const [cmd, argv] = command(mode, args);
  const r = spawnSync("/bin/sh", ["-c", 'umask 077; exec "$@"', "sh", cmd, ...argv], { cwd: "/", env: ENV, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function mountsInside(mode: Mode, args: readonly string[], opts?: RunOptions): MountEntry[] {
  return parseMountinfo(ok(sh(mode, args, "cat /proc/self/mountinfo", opts)));
}

function statusInside(mode: Mode, args: readonly string[]): string {
  return ok(tsbox(mode, [...args, "--", "cat", "/proc/self/status"]));
}

function envInside(mode: Mode, args: readonly string[], env?: Record<string, string>): Map<string, string> {
  const out = ok(tsbox(mode, [...args, "--", "env", "-0"], env ? { env } : {}));
  const m = new Map<string, string>();
  for (const entry of out.split("\0").filter(Boolean)) {
    const i = entry.indexOf("=");
    m.set(entry.slice(0, i), entry.slice(i + 1));
  }
  return m;
}

/** A fixture file in a scratch directory, readable by uid 65534. */
function fixture(dir: string, name: string, content: string, mode = 0o644): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true, mode: 0o755 });
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

const lines = (s: string) => s.split("\n").filter((l) => l !== "");

// What must look the same on the host before and after this file.
const WATCHED_DIRS = ["/", "/mnt", "/usr", "/opt", "/srv"];
function hostListing(): Record<string, string[]> {
  return Object.fromEntries(WATCHED_DIRS.map((d) => [d, readdirSync(d).sort()]));
}
let mountsBefore = "";
let listingBefore: Record<string, string[]> = {};
let hostIpcNs = "";
let hostNetNs = "";

beforeAll(() => {
  binary();
  mountsBefore = hostMounts();
  listingBefore = hostListing();
  hostIpcNs = readlinkSync("/proc/self/ns/ipc");
  hostNetNs = readlinkSync("/proc/self/ns/net");
});

afterAll(() => {
  expect(hostMounts()).toBe(mountsBefore);
  expect(hostListing()).toEqual(listingBefore);
  for (const p of ["/tmp/oldroot", "/tmp/newroot", "/tmp/scratch", `/${TOKEN}`, `/etc/${TOKEN}`, `/dev/shm/${TOKEN}`, `/tmp/${TOKEN}`])
    expect(existsSync(p)).toBe(false);
});

for (const mode of MODES) {
  const uid = uidOf(mode);

  describe(`[${mode}] --ro-bind and --bind`, () => {
    test("--ro-bind / /: / and every submount are read-only", () => {
      const mounts = mountsInside(mode, HOST_ROOT);
      const root = mounts.find((m) => m.mountPoint === "/");
      expect(root).toBeDefined();
      expect(root!.options).toContain("ro");
      // The host has submounts (/proc, /sys, /dev, /dev/shm ...): they must be there, and read-only too.
      const hostPoints = parseMountinfo(hostMounts()).map((m) => m.mountPoint);
      expect(hostPoints.length).toBeGreaterThan(1);
      for (const p of hostPoints) expect(mounts.map((m) => m.mountPoint)).toContain(p);
      for (const m of mounts) expect({ mountPoint: m.mountPoint, ro: m.options.includes("ro") }).toEqual({ mountPoint: m.mountPoint, ro: true });
    });

    test("--ro-bind / /: writing fails with EROFS, on / and on a submount", () => {
      const before = hostMounts();
      try {
        const r = sh(mode, HOST_ROOT, `touch /etc/${TOKEN}; echo "rc=$?"; touch /dev/shm/${TOKEN}; echo "rc=$?"; mkdir /tmp/${TOKEN}; echo "rc=$?"`);
        expect(ok(r)).toBe("rc=1\nrc=1\nrc=1\n");
        expect(lines(r.stderr).length).toBe(3);
        for (const l of lines(r.stderr)) expect(l).toContain("Read-only file system");
      } finally {
        rmSync(`/dev/shm/${TOKEN}`, { force: true });
        rmSync(`/etc/${TOKEN}`, { force: true });
        rmSync(`/tmp/${TOKEN}`, { force: true, recursive: true });
      }
      expect(existsSync(`/etc/${TOKEN}`)).toBe(false);
      expect(hostMounts()).toBe(before);
    });

    test("--ro-bind of a scratch dir: read-only even for root", () => {
      const s = scratch();
      fixture(s, "f", "content");
      const r = sh(mode, [...HOST_ROOT, "--ro-bind", s, s, "--become-root"], `cat ${s}/f; echo x > ${s}/g; echo "rc=$?"`);
      expect(ok(r)).toBe("contentrc=2\n");
      expect(r.stderr).toContain("Read-only file system");
      expect(existsSync(join(s, "g"))).toBe(false);
    });

    test("--bind rw: a file written through it exists on the host, owned by the caller", () => {
      const before = hostMounts();
      const s = scratch();
      ok(sh(mode, [...HOST_ROOT, "--bind", s, s], `printf 'written\\nby sandbox' > ${s}/out && mkdir ${s}/d`));
      expect(readFileSync(join(s, "out"), "utf8")).toBe("written\nby sandbox");
      expect(statSync(join(s, "out")).uid).toBe(uid);
      expect(statSync(join(s, "out")).gid).toBe(uid);
      expect(statSync(join(s, "d")).isDirectory()).toBe(true);
      expect(hostMounts()).toBe(before);
    });

    test("--bind rw shows as rw in mountinfo, inside a read-only /", () => {
      const s = scratch();
      const mounts = mountsInside(mode, [...HOST_ROOT, "--bind", s, s]);
      const m = mounts.filter((x) => x.mountPoint === s).at(-1);
      expect(m).toBeDefined();
      expect(m!.options).toContain("rw");
      expect(mounts.find((x) => x.mountPoint === "/")!.options).toContain("ro");
    });

    test("--bind is recursive: submounts of the source come along", () => {
      const mounts = mountsInside(mode, [...BASE, "--bind", "/dev", "/x"]);
      const hostDevSubs = parseMountinfo(hostMounts()).filter((m) => m.mountPoint.startsWith("/dev/")).map((m) => m.mountPoint.replace(/^\/dev/, "/x"));
      expect(hostDevSubs.length).toBeGreaterThan(0);
      for (const p of hostDevSubs) expect(mounts.map((m) => m.mountPoint)).toContain(p);
    });

    test("--bind-try and --ro-bind-try with a missing source: success, destination not created", () => {
      for (const opt of ["--bind-try", "--ro-bind-try"]) {
        const r = sh(mode, [...BASE, opt, `/nonexistent-${TOKEN}`, "/d/e"], 'test -e /d/e; echo "e=$?"; test -e /d; echo "d=$?"');
        expect(ok(r)).toBe("e=1\nd=1\n");
        expect(r.stderr).toBe("");
      }
    });

    test("--bind-try and --ro-bind-try with an existing source do bind it", () => {
      const s = scratch();
      fixture(s, "f", "here");
      expect(ok(sh(mode, [...BASE, "--bind-try", s, "/a", "--ro-bind-try", s, "/b"], "cat /a/f /b/f"))).toBe("herehere");
    });

    test("--bind with a missing source: exit 125, one line naming the option and the path", () => {
      for (const opt of ["--bind", "--ro-bind"]) {
        const r = sh(mode, [...BASE, opt, `/nonexistent-${TOKEN}`, "/d"], "echo ran");
        const line = setupFailure(r, opt, `/nonexistent-${TOKEN}`, "No such file or directory");
        expect(r.stdout).toBe("");
        expect(line).not.toContain("\\n");
      }
    });

    test("a required bind implied by a parent bind still checks its source", () => {
      const r = sh(mode, [...HOST_ROOT, "--ro-bind", `/nonexistent-${TOKEN}`, `/nonexistent-${TOKEN}`], "echo ran");
      setupFailure(r, `/nonexistent-${TOKEN}`, "No such file or directory");
      expect(r.stdout).toBe("");
    });

    test("a missing source below a -try source is fine", () => {
      const r = sh(mode, [...BASE, "--ro-bind-try", `/nonexistent-${TOKEN}/x`, "/q"], "echo ran");
      expect(ok(r)).toBe("ran\n");
    });

    test("bind of a file onto a new destination: a file (not a dir), with parents", () => {
      const s = scratch();
      const f = fixture(s, "file", "file content\n");
      const out = ok(sh(mode, [...BASE, "--ro-bind", f, "/a/b/c/file"], "stat -c '%F' /a/b/c/file; cat /a/b/c/file; stat -c '%F %a' /a /a/b /a/b/c"));
      expect(out).toBe("regular file\nfile content\ndirectory 755\ndirectory 755\ndirectory 755\n");
    });

    test("bind of a file onto an existing file replaces what is seen there", () => {
      const s = scratch();
      const f = fixture(s, "hostname", "sandboxed-name\n");
      const hostBefore = readFileSync("/etc/hostname", "utf8");
      expect(ok(sh(mode, [...HOST_ROOT, "--ro-bind", f, "/etc/hostname"], "cat /etc/hostname"))).toBe("sandboxed-name\n");
      expect(readFileSync("/etc/hostname", "utf8")).toBe(hostBefore);
    });

    test("+SRC is resolved inside the sandbox: --ro-bind /usr /usr --bind +/usr/bin /x", () => {
      const out = ok(sh(mode, [...BASE, "--bind", "+/usr/bin", "/x"], "ls -a /usr/bin | md5sum; ls -a /x | md5sum; stat -c %i /usr/bin/sh /x/sh"));
      const [a, b, i1, i2] = lines(out);
      expect(a).toBe(b!);
      expect(i1).toBe(i2!);
      const mounts = mountsInside(mode, [...BASE, "--bind", "+/usr/bin", "/x"]);
      expect(mounts.map((m) => m.mountPoint)).toContain("/x");
    });

    test("+SRC sees what the sandbox has, not the host, whatever the option order", () => {
      // /data exists only in the sandbox; the + bind is given first but runs last.
      const out = ok(sh(mode, [...BASE, "--bind", `+/${TOKEN}/data`, "/y", "--write", "in the sandbox", `/${TOKEN}/data/f`], "cat /y/f"));
      expect(out).toBe("in the sandbox");
      expect(existsSync(`/${TOKEN}`)).toBe(false);
    });

    test("+SRC missing: exit 125 naming +SRC", () => {
      setupFailure(sh(mode, [...BASE, "--bind", `+/nonexistent-${TOKEN}`, "/y"], "true"), `+/nonexistent-${TOKEN}`, "No such file or directory");
      expect(ok(sh(mode, [...BASE, "--bind-try", `+/nonexistent-${TOKEN}`, "/y"], "test -e /y; echo $?"))).toBe("1\n");
    });
  });

  describe(`[${mode}] --tmpfs and --dir`, () => {
    test("--tmpfs: fstype tmpfs, mode 755; /tmp, /var/tmp and .../tmp 1777; writable", () => {
      const args = [...BASE, "--tmpfs", "/t", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/a/tmp"];
      const mounts = mountsInside(mode, args);
      for (const p of ["/t", "/tmp", "/var/tmp", "/a/tmp"]) expect(mounts.find((m) => m.mountPoint === p)?.fstype).toBe("tmpfs");
      expect(ok(sh(mode, args, "stat -c '%n %a' /t /tmp /var/tmp /a/tmp; echo x > /t/f && echo x > /tmp/f && cat /t/f")))
        .toBe("/t 755\n/tmp 1777\n/var/tmp 1777\n/a/tmp 1777\nx\n");
    });

    test("--tmpfs over an existing host directory hides its content", () => {
      const s = scratch();
      fixture(s, "f", "x");
      expect(ok(sh(mode, [...HOST_ROOT, "--tmpfs", s], `ls -A ${s} | wc -l`)).trim()).toBe("0");
      expect(existsSync(join(s, "f"))).toBe(true);
    });

    test("--tmpfs modes do not depend on the caller's umask", () => {
      const r = withUmask077(mode, [...BASE, "--tmpfs", "/t", "--tmpfs", "/tmp", "--", "stat", "-c", "%a", "/t", "/tmp"]);
      expect(ok(r)).toBe("755\n1777\n");
    });

    test("--dir: mode 755, parents 755; /tmp, /var/tmp and .../tmp 1777", () => {
      const r = sh(mode, [...BASE, "--dir", "/d1/d2/d3", "--dir", "/var/tmp", "--dir", "/x/tmp", "--dir", "/tmp"],
        "stat -c '%n %a %F' /d1 /d1/d2 /d1/d2/d3 /var /var/tmp /x /x/tmp /tmp");
      expect(ok(r)).toBe([
        "/d1 755 directory", "/d1/d2 755 directory", "/d1/d2/d3 755 directory", "/var 755 directory", "/var/tmp 1777 directory",
        "/x 755 directory", "/x/tmp 1777 directory", "/tmp 1777 directory", "",
      ].join("\n"));
    });

    test("--dir modes do not depend on the caller's umask", () => {
      expect(ok(withUmask077(mode, [...BASE, "--dir", "/d/e", "--dir", "/var/tmp", "--", "stat", "-c", "%a", "/d", "/d/e", "/var/tmp"])))
        .toBe("755\n755\n1777\n");
    });

    test("--dir on an existing directory is fine and creates nothing on the host", () => {
      ok(sh(mode, [...HOST_ROOT, "--dir", "/usr"], "true"));
      ok(sh(mode, [...BASE, "--dir", `/${TOKEN}/x`], `test -d /${TOKEN}/x`));
      expect(existsSync(`/${TOKEN}`)).toBe(false);
    });

    test("--dir is owned by the sandbox's user", () => {
      expect(ok(sh(mode, [...BASE, "--dir", "/d"], "stat -c %u /d"))).toBe(`${uid}\n`);
    });
  });

  describe(`[${mode}] --symlink`, () => {
    test("creates a symlink (readlink shows the target verbatim)", () => {
      expect(ok(sh(mode, [...BASE, "--symlink", "/some/target", "/l", "--symlink", "rel/a b", "/m"], "readlink /l; readlink /m")))
        .toBe("/some/target\nrel/a b\n");
    });

    test("an identical existing symlink is fine", () => {
      expect(ok(tsbox(mode, [...HOST_ROOT, "--symlink", "usr/bin", "/bin", "--", "/usr/bin/readlink", "/bin"]))).toBe("usr/bin\n");
      expect(ok(tsbox(mode, [...BASE, "--symlink", "usr/bin", "/bin", "--", "readlink", "/bin"]))).toBe("usr/bin\n");
    });

    test("over an existing file: the file is covered by the symlink", () => {
      const hostBefore = readFileSync("/etc/hostname", "utf8");
      expect(ok(sh(mode, [...HOST_ROOT, "--symlink", "/foo", "/etc/hostname"], "readlink /etc/hostname; test -L /etc/hostname && echo link")))
        .toBe("/foo\nlink\n");
      expect(lstatSync("/etc/hostname").isFile()).toBe(true);
      expect(readFileSync("/etc/hostname", "utf8")).toBe(hostBefore);
    });

    test("over an existing, different symlink: covered; the host's link unchanged", () => {
      const s = scratch();
      symlinkSync("old-target", join(s, "link"));
      expect(ok(sh(mode, [...HOST_ROOT, "--symlink", "new-target", join(s, "link")], `readlink ${s}/link`))).toBe("new-target\n");
      expect(readlinkSync(join(s, "link"))).toBe("old-target");
    });

    test("onto an existing directory: exit 125", () => {
      setupFailure(sh(mode, [...HOST_ROOT, "--symlink", "/foo", "/etc"], "echo ran"), "--symlink", "/etc");
      setupFailure(sh(mode, [...BASE, "--dir", "/d", "--symlink", "x", "/d"], "echo ran"), "/d");
    });

    test("missing parents are created", () => {
      expect(ok(sh(mode, [...BASE, "--symlink", "target", "/p/q/r/l"], "readlink /p/q/r/l; stat -c %a /p /p/q /p/q/r")))
        .toBe("target\n755\n755\n755\n");
    });

    test("a dangling symlink is fine", () => {
      expect(ok(sh(mode, [...BASE, "--symlink", "/nowhere/at/all", "/dangling"], "readlink /dangling; test -e /dangling; echo $?")))
        .toBe("/nowhere/at/all\n1\n");
    });
  });

  describe(`[${mode}] --write`, () => {
    const cases: [string, string][] = [
      ["no newline added", "abc"],
      ["a trailing newline kept", "line\n"],
      ["several lines, spaces, tabs", " a  b\n\tc\n\nd"],
      ["data starting with -", "-x"],
      ["data that looks like an option", "--bind / /"],
      ["unicode", "é日本\u{1F600}"],
      ["backslashes and percent signs", "\\n %s %% \\x41"],
    ];
    for (const [name, data] of cases) {
      test(`exact content: ${name}`, () => {
        const r = tsbox(mode, [...BASE, "--write", data, "/w/f", "--", "cat", "/w/f"]);
        expect(ok(r)).toBe(data);
        const bytes = ok(tsbox(mode, [...BASE, "--write", data, "/w/f", "--", "stat", "-c", "%s", "/w/f"]));
        expect(Number(bytes)).toBe(Buffer.byteLength(data));
      });
    }

    test("empty data: an empty regular file", () => {
      expect(ok(sh(mode, [...BASE, "--write", "", "/e"], "stat -c '%s %F' /e"))).toBe("0 regular empty file\n");
    });

    test("parents are created; the file is 644", () => {
      expect(ok(sh(mode, [...BASE, "--write", "x", "/a/b/f"], "stat -c '%a %F' /a /a/b /a/b/f"))).toBe("755 directory\n755 directory\n644 regular file\n");
    });

    test("into a rw bind: the host file gets exactly the data", () => {
      const s = scratch();
      ok(sh(mode, [...HOST_ROOT, "--bind", s, s, "--write", "to the host", join(s, "w")], "true"));
      expect(readFileSync(join(s, "w"), "utf8")).toBe("to the host");
      expect(statSync(join(s, "w")).uid).toBe(uid);
    });

    test("a later --write of the same file wins", () => {
      expect(ok(tsbox(mode, [...BASE, "--write", "first", "/f", "--write", "second", "/f", "--", "cat", "/f"]))).toBe("second");
    });
  });

  describe(`[${mode}] --overlay`, () => {
    let l1 = "", l2 = "";
    beforeAll(() => {
      l1 = scratch("tsbox-lower1-");
      l2 = scratch("tsbox-lower2-");
      // The files a sandbox modifies belong to uid 65534: copy-up keeps the
      // owner, and in the user namespace only 65534 is mapped.
      chownSync(fixture(l1, "a", "from L1", 0o664), NOBODY, NOBODY);
      fixture(l1, "only1", "1");
      fixture(l1, "sub/x", "L1x");
      chownSync(fixture(l2, "a", "from L2", 0o664), NOBODY, NOBODY);
      fixture(l2, "only2", "2");
    });
    const lowerListing = () => [readdirSync(l1).sort(), readdirSync(l2).sort(), readFileSync(join(l1, "a"), "utf8"), readFileSync(join(l2, "a"), "utf8")];

    test("layers: the first lowerdir is the bottom, a later one wins", () => {
      const script = "cat /o/a; echo; cat /o/only1; echo; cat /o/only2; echo; cat /o/sub/x";
      expect(ok(sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-lowerdir", l2, "--overlay", "/o"], script))).toBe("from L2\n1\n2\nL1x");
      expect(ok(sh(mode, [...BASE, "--overlay-lowerdir", l2, "--overlay-lowerdir", l1, "--overlay", "/o"], "cat /o/a"))).toBe("from L1");
      const m = mountsInside(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-lowerdir", l2, "--overlay", "/o"]).find((x) => x.mountPoint === "/o");
      expect(m?.fstype).toBe("overlay");
    });

    test("only lowerdirs: read-only, writes fail", () => {
      const before = lowerListing();
      const r = sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-lowerdir", l2, "--overlay", "/o"], "touch /o/new; echo rc=$?; rm /o/only1; echo rc=$?");
      expect(ok(r)).toBe("rc=1\nrc=1\n");
      expect(r.stderr).toContain("Read-only file system");
      expect(lowerListing()).toEqual(before);
    });

    test("upperdir tmpfs: writes succeed, the host's lower layers are unchanged", () => {
      const before = lowerListing();
      const mounts = hostMounts();
      const r = sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-lowerdir", l2, "--overlay-upperdir", "tmpfs", "--overlay", "/o"],
        "echo new > /o/new && echo changed > /o/a && rm /o/only1 && mkdir /o/dir && cat /o/a /o/new && ls /o");
      expect(ok(r)).toBe("changed\nnew\na\ndir\nnew\nonly2\nsub\n");
      expect(lowerListing()).toEqual(before);
      expect(hostMounts()).toBe(mounts);
    });

    test("host upperdir and workdir: a written file appears in the host upperdir", () => {
      const upper = scratch("tsbox-upper-");
      const work = scratch("tsbox-work-");
      const before = lowerListing();
      ok(sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-upperdir", upper, "--overlay-workdir", work, "--overlay", "/o"],
        "printf 'upper data' > /o/new && echo changed > /o/a && cat /o/only1"));
      expect(readFileSync(join(upper, "new"), "utf8")).toBe("upper data");
      expect(readFileSync(join(upper, "a"), "utf8")).toBe("changed\n");
      expect(statSync(join(upper, "new")).uid).toBe(uid);
      expect(lowerListing()).toEqual(before);
      // A second sandbox sees the first one's changes through the same upperdir.
      expect(ok(sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-upperdir", upper, "--overlay-workdir", work, "--overlay", "/o"], "cat /o/new")))
        .toBe("upper data");
    });

    test("several overlays: the layers reset after each --overlay", () => {
      const out = ok(sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-upperdir", "tmpfs", "--overlay", "/o1", "--overlay-lowerdir", l2, "--overlay-lowerdir", l1, "--overlay", "/o2"],
        "ls /o1; echo --; ls /o2; cat /o2/a; echo; touch /o1/w && echo w1; touch /o2/w; echo rc=$?"));
      // /o2 is read-only: the tmpfs upperdir of /o1 did not carry over.
      expect(out).toBe("a\nonly1\nsub\n--\na\nonly1\nonly2\nsub\nfrom L1\nw1\nrc=1\n");
    });

    test("a missing lowerdir: exit 125 naming it", () => {
      const missing = `/nonexistent-${TOKEN}-lower`;
      setupFailure(sh(mode, [...BASE, "--overlay-lowerdir", l1, "--overlay-lowerdir", missing, "--overlay", "/o"], "echo ran"), missing);
    });
  });

  describe(`[${mode}] --dev and --proc`, () => {
    const devArgs = [...BASE, "--dev", "/dev"];

    test("--dev: exactly the basic nodes, links, shm and pts", () => {
      const names = lines(ok(sh(mode, devArgs, "ls -A /dev"))).sort();
      const expected = ["core", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"];
      // /dev/fuse is an optional extra (where the host has it).
      expect(names.filter((n) => n !== "fuse")).toEqual(expected.sort());
      for (const dev of ["sda", "vda", "kmsg", "mem", "console", "loop0"]) expect(names).not.toContain(dev);
    });

    test("--dev: the nodes are the right character devices", () => {
      expect(ok(sh(mode, devArgs, "for n in null zero full random urandom tty; do stat -c '%n %F %t:%T' /dev/$n; done"))).toBe([
        "/dev/null character special file 1:3", "/dev/zero character special file 1:5", "/dev/full character special file 1:7",
        "/dev/random character special file 1:8", "/dev/urandom character special file 1:9", "/dev/tty character special file 5:0", "",
      ].join("\n"));
    });

    test("--dev: symlinks, shm 1777, pts is devpts, ptmx -> pts/ptmx", () => {
      expect(ok(sh(mode, devArgs, "for n in stdin stdout stderr fd core ptmx; do readlink /dev/$n; done; stat -c '%a' /dev/shm")))
        .toBe("/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\n/proc/self/fd\n/proc/kcore\npts/ptmx\n1777\n");
      const mounts = mountsInside(mode, devArgs);
      expect(mounts.find((m) => m.mountPoint === "/dev/pts")?.fstype).toBe("devpts");
      expect(mounts.find((m) => m.mountPoint === "/dev")?.fstype).toBe("tmpfs");
      expect(ok(sh(mode, devArgs, "test -c /dev/pts/ptmx && echo ptmx"))).toBe("ptmx\n");
    });

    test("--dev: the nodes work", () => {
      const r = sh(mode, devArgs,
        "echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; head -c 1 /dev/zero > /dev/full; echo full=$?; echo hi > /dev/shm/f && cat /dev/shm/f; ls /dev/fd/ >/dev/null && echo fd-ok");
      expect(ok(r).replace(/ +/g, " ")).toBe("null-ok\n 00 00 00 00\n16\nfull=1\nhi\nfd-ok\n");
      expect(r.stderr).toContain("No space left on device");
    });

    test("--dev at another path", () => {
      expect(ok(sh(mode, [...BASE, "--dev", "/mydev"], "echo x > /mydev/null && readlink /mydev/ptmx && stat -c %a /mydev/shm"))).toBe("pts/ptmx\n1777\n");
    });

    test("--proc /proc: fstype proc, and it shows this process", () => {
      const mounts = mountsInside(mode, BASE);
      expect(mounts.find((m) => m.mountPoint === "/proc")?.fstype).toBe("proc");
      expect(ok(sh(mode, BASE, 'grep -q "^Pid:\\s*$$\\$" /proc/$$/status && echo self-ok; true'))).toBe("self-ok\n");
    });

    test("--proc at another path", () => {
      const out = ok(tsbox(mode, ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/p2", "--", "/usr/bin/cat", "/p2/self/mountinfo"]));
      expect(parseMountinfo(out).find((m) => m.mountPoint === "/p2")?.fstype).toBe("proc");
    });
  });

  describe(`[${mode}] environment and directory`, () => {
    test("--setenv and --unsetenv", () => {
      const env = envInside(mode, [...BASE, "--setenv", "A", "x", "--setenv", "B", "a b\nc", "--setenv", "E", "", "--unsetenv", "HOME"],
        { ...ENV, KEEP: "kept", HOME: "/home" });
      expect(env.get("A")).toBe("x");
      expect(env.get("B")).toBe("a b\nc");
      expect(env.get("E")).toBe("");
      expect(env.get("KEEP")).toBe("kept");
      expect(env.has("HOME")).toBe(false);
      expect(env.get("PATH")).toBe(ENV.PATH);
    });

    test("all --setenv first, then all --unsetenv: --unsetenv A --setenv A x leaves A unset", () => {
      const env = envInside(mode, [...BASE, "--unsetenv", "A", "--setenv", "A", "x", "--setenv", "B", "y"]);
      expect(env.has("A")).toBe(false);
      expect(env.get("B")).toBe("y");
    });

    test("a later --setenv of the same name wins", () => {
      expect(envInside(mode, [...BASE, "--setenv", "A", "1", "--setenv", "A", "2"]).get("A")).toBe("2");
    });

    test("the default working directory is /", () => {
      const s = scratch();
      expect(ok(sh(mode, HOST_ROOT, "pwd", { cwd: s }))).toBe("/\n");
    });

    test("--chdir", () => {
      expect(ok(sh(mode, HOST_ROOT.concat("--chdir", "/usr/share"), "pwd"))).toBe("/usr/share\n");
      expect(ok(sh(mode, HOST_ROOT.concat("--chdir", "bin"), "pwd", { cwd: "/usr" }))).toBe("/usr/bin\n");
    });

    test("--chdir to a directory the sandbox lacks: exit 125 naming it", () => {
      setupFailure(sh(mode, BASE.concat("--chdir", `/nonexistent-${TOKEN}`), "echo ran"), `/nonexistent-${TOKEN}`);
    });

    test("--same-dir: the caller's working directory", () => {
      const s = scratch();
      expect(ok(sh(mode, HOST_ROOT.concat("--same-dir"), "pwd", { cwd: s }))).toBe(`${s}\n`);
    });
  });

  describe(`[${mode}] identity and capabilities`, () => {
    const norm = (s: string) => s.trim().split(/\s+/).join(" ");

    test("--become-root: uid and gid 0", () => {
      const out = ok(sh(mode, HOST_ROOT.concat("--become-root"), "id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map"));
      const [u, g, umap, gmap] = lines(out);
      expect([u, g]).toEqual(["0", "0"]);
      if (mode === "user") {
        expect(norm(umap!)).toBe("0 65534 1");
        expect(norm(gmap!)).toBe("0 65534 1");
      } else {
        // As root, --become-root does nothing: the host's own namespace.
        expect(norm(umap!)).toBe("0 0 4294967295");
        expect(norm(gmap!)).toBe("0 0 4294967295");
      }
    });

    test("without --become-root: the caller's own uid", () => {
      const out = ok(sh(mode, HOST_ROOT, "id -u; id -g; cat /proc/self/uid_map"));
      const [u, g, umap] = lines(out);
      expect([u, g]).toEqual([String(uid), String(uid)]);
      expect(norm(umap!)).toBe(mode === "user" ? "65534 65534 1" : "0 0 4294967295");
    });

    for (const extra of [[], ["--become-root"]]) {
      test(`full effective capabilities ${extra.join(" ") || "(no --become-root)"}`, () => {
        const status = statusInside(mode, HOST_ROOT.concat(extra));
        const bnd = statusField(status, "CapBnd");
        expect(bnd).toMatch(/^[0-9a-f]{16}$/);
        expect(BigInt(`0x${bnd}`) & (1n << 21n)).toBe(1n << 21n); // CAP_SYS_ADMIN is in the set
        expect(statusField(status, "CapEff")).toBe(bnd!);
        expect(statusField(status, "CapPrm")).toBe(bnd!);
        if (uid !== 0 && extra.length === 0) expect(statusField(status, "CapAmb")).toBe(bnd!);
      });
    }

    test("the command can mount (tmpfs on a directory of its own)", () => {
      const before = hostMounts();
      const out = ok(sh(mode, [...BASE, "--tmpfs", "/tmp"], "mkdir /tmp/x && mount -t tmpfs none /tmp/x && echo ok > /tmp/x/f && cat /tmp/x/f && grep -c ' /tmp/x ' /proc/self/mountinfo"));
      expect(out).toBe("ok\n1\n");
      expect(hostMounts()).toBe(before);
    });

    test("the command can bind mount", () => {
      const s = scratch();
      fixture(s, "f", "bound");
      const out = ok(sh(mode, [...HOST_ROOT, "--tmpfs", "/mnt"], `mkdir /mnt/b && mount --bind ${s} /mnt/b && cat /mnt/b/f`));
      expect(out).toBe("bound");
    });
  });

  describe(`[${mode}] namespaces`, () => {
    test("--unshare-net: only lo, and lo is up", () => {
      const out = ok(sh(mode, HOST_ROOT.concat("--unshare-net"), "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; readlink /proc/self/ns/net"));
      const [ifaces, ns] = [lines(out).slice(0, -1), lines(out).at(-1)];
      expect(ifaces).toEqual(["lo"]);
      expect(ns).not.toBe(hostNetNs);
      const link = ok(sh(mode, HOST_ROOT.concat("--unshare-net"), "ip -o link show"));
      expect(lines(link).length).toBe(1);
      expect(link).toMatch(/^1: lo: <[^>]*\bUP\b[^>]*>/);
    });

    test("--unshare-net: lo works (a TCP connection to 127.0.0.1)", () => {
      const script = "python3 -c \"import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); c=socket.create_connection(s.getsockname()); print('connected')\"";
      expect(ok(sh(mode, HOST_ROOT.concat("--unshare-net"), script))).toBe("connected\n");
    });

    test("without --unshare-net: the host's network namespace", () => {
      expect(ok(sh(mode, HOST_ROOT, "readlink /proc/self/ns/net")).trim()).toBe(hostNetNs);
    });

    test("--unshare-ipc: another IPC namespace than the host's", () => {
      expect(ok(sh(mode, HOST_ROOT.concat("--unshare-ipc"), "readlink /proc/self/ns/ipc")).trim()).not.toBe(hostIpcNs);
      expect(ok(sh(mode, HOST_ROOT, "readlink /proc/self/ns/ipc")).trim()).toBe(hostIpcNs);
    });

    test("a mount namespace of its own", () => {
      expect(ok(sh(mode, HOST_ROOT, "readlink /proc/self/ns/mnt")).trim()).not.toBe(readlinkSync("/proc/self/ns/mnt"));
    });
  });

  describe(`[${mode}] --suspend`, () => {
    test("stops before exec; runs the command after SIGCONT", async () => {
      const bin = binary();
      const [cmd, argv] = command(mode, [...HOST_ROOT, "--suspend", "--", "/bin/sh", "-c", "echo ran"]);
      const child = spawn(cmd, argv, { cwd: "/", env: ENV, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
      child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on("exit", (c, s) => res([c, s])));
      const pid = child.pid!;
      try {
        let state = "";
        for (let i = 0; i < 1000; i++) {
          try {
            state = statusField(readFileSync(`/proc/${pid}/status`, "utf8"), "State") ?? "";
          } catch {
            state = "gone";
          }
          if (state.startsWith("T") || state === "gone") break;
          await Bun.sleep(10);
        }
        expect(state).toStartWith("T");
        // Not exec'd yet: still tsbox, and the command has not run.
        expect(readlinkSync(`/proc/${pid}/exe`)).toBe(bin);
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        expect(cmdline).toContain("--suspend");
        expect(cmdline[0]).toEndWith("tsbox");
        await Bun.sleep(50);
        expect(stdout).toBe("");
        process.kill(pid, "SIGCONT");
        const [code, signal] = await exited;
        expect({ code, signal, stdout, stderr }).toEqual({ code: 0, signal: null, stdout: "ran\n", stderr: "" });
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    });
  });

  describe(`[${mode}] --pack-fds and inherited fds`, () => {
    function withFds(args: readonly string[], script: string): Run {
      const s = scratch();
      const a = openSync(fixture(s, "a", "AAA"), "r");
      const b = openSync(fixture(s, "b", "BBB"), "r");
      try {
        return sh(mode, args, script, { stdio: ["pipe", "pipe", "pipe", "ignore", "ignore", a, "ignore", b] });
      } finally {
        closeSync(a);
        closeSync(b);
      }
    }

    test("--pack-fds: fds 5 and 7 become 3 and 4; LISTEN_FDS=2, LISTEN_PID=$$", () => {
      const out = ok(withFds([...HOST_ROOT, "--pack-fds"], 'ls /proc/self/fd; echo "$$ $LISTEN_FDS $LISTEN_PID"; cat <&3; echo; cat <&4'));
      const l = lines(out);
      const [fds, rest] = [l.slice(0, -3), l.slice(-3)];
      // ls's own directory fd is the one extra entry.
      expect(fds.length).toBe(6);
      expect(fds.slice(0, 5)).toEqual(["0", "1", "2", "3", "4"]);
      const [pid, n, listenPid] = rest[0]!.split(" ");
      expect(n).toBe("2");
      expect(listenPid).toBe(pid!);
      expect(rest.slice(1)).toEqual(["AAA", "BBB"]);
    });

    test("without --pack-fds: inherited fds keep their numbers; no LISTEN_*", () => {
      const out = ok(withFds(HOST_ROOT, 'ls /proc/$$/fd; echo "${LISTEN_FDS-unset} ${LISTEN_PID-unset}"; cat <&5; echo; cat <&7'));
      expect(lines(out)).toEqual(["0", "1", "2", "5", "7", "unset unset", "AAA", "BBB"]);
    });

    test("--pack-fds without extra fds: LISTEN_FDS=0", () => {
      expect(ok(sh(mode, [...HOST_ROOT, "--pack-fds"], 'echo "$LISTEN_FDS"; ls /proc/$$/fd; true'))).toBe("0\n0\n1\n2\n");
    });
  });

  describe(`[${mode}] --suppress-chown and --suppress-sync`, () => {
    test("--suppress-chown: chown succeeds; ownership changes only as root", () => {
      const s = scratch();
      const r = sh(mode, [...HOST_ROOT, "--bind", s, s, "--suppress-chown"], `touch ${s}/f && chown 1234:1234 ${s}/f; echo "rc=$?"; grep '^Seccomp:' /proc/self/status`);
      const [rc, seccomp] = lines(ok(r));
      expect(rc).toBe("rc=0");
      const st = statSync(join(s, "f"));
      if (mode === "user") {
        expect({ uid: st.uid, gid: st.gid }).toEqual({ uid: NOBODY, gid: NOBODY });
        expect(seccomp!.replace(/\s+/g, " ")).toBe("Seccomp: 2");
      } else {
        // Real root can chown, so the option changes nothing.
        expect({ uid: st.uid, gid: st.gid }).toEqual({ uid: 1234, gid: 1234 });
      }
    });

    test("--suppress-chown with --become-root", () => {
      const s = scratch();
      const out = ok(sh(mode, [...HOST_ROOT, "--bind", s, s, "--suppress-chown", "--become-root"], `touch ${s}/f && chown 1234:1234 ${s}/f; echo "rc=$?"; chown -h 42 ${s}/f; echo "rc=$?"`));
      expect(out).toBe("rc=0\nrc=0\n");
      expect(statSync(join(s, "f")).uid).toBe(mode === "user" ? NOBODY : 42);
    });

    if (mode === "user") {
      test("without --suppress-chown, chown to an unmapped id fails (control)", () => {
        const s = scratch();
        const r = sh(mode, [...HOST_ROOT, "--bind", s, s], `touch ${s}/f && chown 1234:1234 ${s}/f; echo "rc=$?"`);
        expect(ok(r)).toBe("rc=1\n");
      });
    }

    test("--suppress-sync: sync, sync -f, sync -d succeed; Seccomp: 2", () => {
      const s = scratch();
      const out = ok(sh(mode, [...HOST_ROOT, "--bind", s, s, "--suppress-sync"],
        `echo x > ${s}/f; sync; echo $?; sync -f ${s}/f; echo $?; sync -d ${s}/f; echo $?; grep '^Seccomp:' /proc/self/status`));
      expect(out.replace(/[ \t]+/g, " ")).toBe("0\n0\n0\nSeccomp: 2\n");
    });

    test("--suppress-sync: fdatasync on a pipe (EINVAL normally) returns success", () => {
      expect(ok(sh(mode, [...HOST_ROOT, "--suppress-sync"], "true | sync -d /proc/self/fd/0; echo rc=$?"))).toBe("rc=0\n");
      const r = sh(mode, HOST_ROOT, "true | sync -d /proc/self/fd/0; echo rc=$?");
      expect(ok(r)).toBe("rc=1\n");
      expect(r.stderr).toContain("Invalid argument");
    });

    test("without the options: Seccomp: 0", () => {
      expect(statusField(statusInside(mode, HOST_ROOT), "Seccomp")).toBe("0");
    });
  });

  describe(`[${mode}] exec`, () => {
    test("the pid tsbox was started as becomes the command", () => {
      const r = shWithPid(mode, HOST_ROOT, "echo $$");
      expect(ok(r)).toBe(`${r.pid}\n`);
    });

    test("the exit status passes through", () => {
      expect(sh(mode, HOST_ROOT, "exit 42").status).toBe(42);
      expect(sh(mode, HOST_ROOT, "exit 0").status).toBe(0);
      expect(sh(mode, HOST_ROOT, "exit 125").status).toBe(125);
    });

    test("death by a signal passes through", () => {
      const r = sh(mode, HOST_ROOT, "kill -TERM $$");
      expect({ status: r.status, signal: r.signal }).toEqual({ status: null, signal: "SIGTERM" });
    });

    test("command not found: 127, one line", () => {
      const r = tsbox(mode, [...HOST_ROOT, "--", `no-such-command-${TOKEN}`]);
      expect(r.status).toBe(127);
      expect(lines(r.stderr).length).toBe(1);
      expect(r.stderr).toContain(`no-such-command-${TOKEN}`);
      expect(tsbox(mode, [...HOST_ROOT, "--", `/nonexistent-${TOKEN}/cmd`]).status).toBe(127);
    });

    test("found but not executable: 126", () => {
      const s = scratch();
      fixture(s, "noexec", "#!/bin/sh\necho should-not-run\n", 0o644);
      const r = tsbox(mode, [...HOST_ROOT, "--", join(s, "noexec")]);
      expect(r.status).toBe(126);
      expect(r.stdout).toBe("");
      expect(lines(r.stderr).length).toBe(1);
      const viaPath = tsbox(mode, [...HOST_ROOT, "--setenv", "PATH", s, "--", "noexec"]);
      expect(viaPath.status).toBe(126);
      expect(tsbox(mode, [...HOST_ROOT, "--", "/usr"]).status).toBe(126);
    });

    test("no command: bash", () => {
      const r = tsbox(mode, HOST_ROOT, { input: 'echo "bash $BASH_VERSION" | cut -c1-5\n' });
      expect(ok(r)).toBe("bash \n");
    });

    test("signals: nothing ignored or blocked in the command", () => {
      const status = statusInside(mode, HOST_ROOT);
      expect(statusField(status, "SigIgn")).toBe("0000000000000000");
      expect(statusField(status, "SigBlk")).toBe("0000000000000000");
    });

    test("yes | head -1: no Broken pipe", () => {
      const r = sh(mode, HOST_ROOT, "yes | head -1");
      expect(ok(r)).toBe("y\n");
      expect(r.stderr).toBe("");
    });

    test("no fds beyond 0, 1, 2", () => {
      // ls /proc/self/fd shows ls's own directory fd (3) as well.
      expect(lines(ok(tsbox(mode, [...HOST_ROOT, "--", "ls", "/proc/self/fd"])))).toEqual(["0", "1", "2", "3"]);
      expect(lines(ok(sh(mode, HOST_ROOT, "ls /proc/$$/fd; true")))).toEqual(["0", "1", "2"]);
    });

    test("no BUN_JSC_*, MIMALLOC_* or TSBOX_* variables unless the caller set them", () => {
      const env = envInside(mode, HOST_ROOT);
      const leaked = [...env.keys()].filter((k) => /^(BUN_JSC_|MIMALLOC_|TSBOX_)/.test(k));
      expect(leaked).toEqual([]);
      expect([...env.keys()].sort()).toEqual(["HOME", "PATH"]);
    });

    test("caller-set BUN_JSC_numberOfGCMarkers=3 and MIMALLOC_PURGE_DELAY reach the command unchanged", () => {
      const env = envInside(mode, HOST_ROOT, { ...ENV, BUN_JSC_numberOfGCMarkers: "3", MIMALLOC_PURGE_DELAY: "7", TSBOX_MINE: "m" });
      expect(env.get("BUN_JSC_numberOfGCMarkers")).toBe("3");
      expect(env.get("MIMALLOC_PURGE_DELAY")).toBe("7");
      expect(env.get("TSBOX_MINE")).toBe("m");
      expect([...env.keys()].filter((k) => /^(BUN_JSC_|MIMALLOC_|TSBOX_)/.test(k)).sort())
        .toEqual(["BUN_JSC_numberOfGCMarkers", "MIMALLOC_PURGE_DELAY", "TSBOX_MINE"]);
    });
  });

  describe(`[${mode}] --debug`, () => {
    test("prints the planned operations in order, then runs", () => {
      const r = tsbox(mode, ["--debug", "--tmpfs", "/tmp", "--ro-bind", "/", "/", "--", "true"]);
      expect(r.status).toBe(0);
      const debug = lines(r.stderr);
      const iBind = debug.findIndex((l) => l.includes("--ro-bind / /"));
      const iTmpfs = debug.findIndex((l) => l.includes("--tmpfs /tmp"));
      expect(iBind).toBeGreaterThanOrEqual(0);
      expect(iTmpfs).toBeGreaterThan(iBind);
      for (const l of debug) expect(l.startsWith("tsbox: ")).toBe(true);
    });

    test("without --debug: nothing on stderr", () => {
      expect(tsbox(mode, [...HOST_ROOT, "--tmpfs", "/tmp", "--", "true"]).stderr).toBe("");
    });
  });

  describe(`[${mode}] the man page's examples`, () => {
    test("--bind / / --same-dir --unshare-net", () => {
      const s = scratch();
      const before = hostMounts();
      const out = ok(tsbox(mode, ["--bind", "/", "/", "--same-dir", "--unshare-net", "--", "sh", "-c", "pwd; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; id -u"], { cwd: s }));
      expect(out).toBe(`${s}\nlo\n${uid}\n`);
      expect(hostMounts()).toBe(before);
    });

    test("--ro-bind /usr /usr --symlink ... --become-root id", () => {
      const args = [
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--become-root", "id",
      ];
      const out = ok(tsbox(mode, args));
      expect(out).toMatch(/^uid=0(\(root\))? gid=0(\(root\))? /);
      const check = ok(tsbox(mode, [...args.slice(0, -1), "--", "sh", "-c", "readlink /lib64; stat -c %a /tmp; ls /dev/null; id -u"]));
      expect(check).toBe("usr/lib64\n1777\n/dev/null\n0\n");
    });
  });

  describe(`[${mode}] usage errors`, () => {
    test("an unknown option: 125, one line, no stack trace", () => {
      const r = tsbox(mode, ["--bogus-option", "true"]);
      setupFailure(r, "--bogus-option");
      expect(r.stdout).toBe("");
    });

    test("a missing value: 125, one line", () => {
      setupFailure(tsbox(mode, ["--ro-bind", "/"]), "--ro-bind");
      setupFailure(tsbox(mode, ["--tmpfs"]), "--tmpfs");
    });

    test("overlay options without --overlay: 125, one line", () => {
      setupFailure(tsbox(mode, ["--overlay-lowerdir", "/usr", "--", "true"]), "--overlay");
    });

    test("--help lists every option; --version prints the version", () => {
      const help = tsbox(mode, ["--help"]);
      expect(help.status).toBe(0);
      for (const o of OPTIONS) expect(help.stdout).toContain(o.flag);
      expect(tsbox(mode, ["-h"]).stdout).toBe(help.stdout);
      const v = tsbox(mode, ["--version"]);
      expect({ status: v.status, stdout: v.stdout }).toEqual({ status: 0, stdout: `tsbox ${pkg.version}\n` });
    });
  });
}

describe("host afterwards", () => {
  test("the host's mount table is unchanged so far", () => {
    expect(hostMounts()).toBe(mountsBefore);
  });

  test("no files appeared in the watched host directories", () => {
    expect(hostListing()).toEqual(listingBefore);
  });
});

// Paths resolve inside the sandbox being built, never on the host.
//
// A host scratch directory holds two symlinks that point outside it, to a
// host path OUT = /tmp/tsbox-escape-out-XXXX/outside: "link" (absolute) and
// "rel" (climbing with ../../../../tmp/...). The scratch directory is bound
// into the sandbox read-write, and every operation that takes a destination
// (--dir, --write, --tmpfs, --bind, --symlink) and a "+" source is pointed
// through the links. tsbox resolves destinations with openat2
// RESOLVE_IN_ROOT against the new root, so a link to /tmp/.../outside means
// that path *in the sandbox*. What must hold on the host, in every case:
// OUT stays as it was (absent, or an empty directory), the scratch
// directory is unchanged, and the host mount table is unchanged. What the
// sandboxed command sees is asserted exactly, per base:
//
//   in-root  --ro-bind / / --tmpfs /tmp --dir OUT --write marker OUT/m --bind SCRATCH /tmp/w
//            OUT exists in the sandbox's /tmp tmpfs (it sorts before /tmp/w,
//            so it is made first): every operation lands there.
//   bare     --bind SCRATCH /w: the new root is an empty tmpfs, OUT does not
//            exist in it, so every operation fails with ENOENT.
//   host-ro  --ro-bind / / --bind SCRATCH MNT: the links resolve into the
//            read-only bind of the host root. With OUT absent on the host:
//            ENOENT. With OUT an empty host directory: creating anything is
//            EROFS, while --tmpfs and the "+" bind mount over it, in the
//            sandbox's mount namespace only.

import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { hostMounts, listing, MODES, sh, type Run } from "./helpers.ts";

const T = 60_000;


const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function tmpdir(prefix: string): string {
  const d = mkdtempSync(`/tmp/${prefix}`);
  chmodSync(d, 0o777);
  made.push(d);
  return d;
}

const OUTBASE = tmpdir("tsbox-escape-out-");
const OUT = join(OUTBASE, "outside");
const SCRATCH = tmpdir("tsbox-escape-");
symlinkSync(OUT, join(SCRATCH, "link"));
// SCRATCH is /tmp/NAME: four ".." reach "/" from there (and from anywhere shallower).
const REL = `../../../..${OUT}`;
symlinkSync(REL, join(SCRATCH, "rel"));

/** Two existing host directories to bind over in the read-only host root. */
const [MNT, PLUS_DST] = ["/mnt", "/srv", "/opt", "/media", "/home"].filter((d) => existsSync(d) && lstatSync(d).isDirectory()) as [string, string];

type Base = "in-root" | "bare" | "host-ro";
const BASE_ARGS: Record<Base, string[]> = {
  "in-root": ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dir", OUT, "--write", "marker", `${OUT}/m`, "--bind", SCRATCH, "/tmp/w"],
  bare: ["--bind", SCRATCH, "/w"],
  "host-ro": ["--ro-bind", "/", "/", "--bind", SCRATCH, MNT],
};
const MOUNTED_AT = { "in-root": "/tmp/w", bare: "/w", "host-ro": MNT } as const;

/** Mount points the sandboxed command sees, one per line. */
const MOUNTS = "cut -d' ' -f5 /proc/self/mountinfo";

interface Case {
  readonly name: string;
  /** The operation, given where SCRATCH is mounted and which link to use. */
  readonly op: (via: string) => string[];
  /** The path the error names, for the failing bases. */
  readonly names: (via: string) => string;
  /** The command's check in the in-root base, and what it must print. */
  readonly check: string;
  readonly expect: string;
}

const CASES: readonly Case[] = [
  { name: "--dir", op: (v) => ["--dir", `${v}/x`], names: (v) => `${v}/x`, check: `test -d ${OUT}/x && echo dir`, expect: "dir\n" },
  { name: "--write", op: (v) => ["--write", "data", `${v}/f`], names: (v) => `${v}/f`, check: `cat ${OUT}/f`, expect: "data" },
  {
    name: "--tmpfs", op: (v) => ["--tmpfs", v], names: (v) => v,
    // The tmpfs covers OUT (and so the marker written there).
    check: `${MOUNTS} | grep -x ${OUT}; test -e ${OUT}/m || echo covered`, expect: `${OUT}\ncovered\n`,
  },
  {
    name: "--bind /etc", op: (v) => ["--bind", "/etc", `${v}/y`], names: (v) => `${v}/y`,
    check: `${MOUNTS} | grep -x ${OUT}/y; test -f ${OUT}/y/passwd && echo passwd`, expect: `${OUT}/y\npasswd\n`,
  },
  { name: "--symlink", op: (v) => ["--symlink", "t", `${v}/z`], names: (v) => `${v}/z`, check: `readlink ${OUT}/z`, expect: "t\n" },
  {
    name: "--bind +SRC", op: (v) => ["--bind", `+${v}`, "/tmp/z"], names: (v) => `+${v}`,
    check: `${MOUNTS} | grep -x /tmp/z; cat /tmp/z/m`, expect: "/tmp/z\nmarker",
  },
];

/** One run, and the host checks that hold whatever the outcome. */
function runChecked(mode: (typeof MODES)[number], args: string[], script: string): Run {
  const mounts = hostMounts();
  const scratch = listing(SCRATCH);
  const outbase = listing(OUTBASE);
  const r = sh(mode, args, script);
  expect(hostMounts()).toBe(mounts);
  expect(listing(SCRATCH)).toEqual(scratch);
  expect(listing(OUTBASE)).toEqual(outbase);
  return r;
}

/** Exit 125 and the single line tsbox prints for a failed operation. */
function expectFailure(r: Run, describeOp: string, path: string, reason: RegExp): void {
  expect(r.status).toBe(125);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n");
  expect(lines.length).toBe(2);
  expect(lines[1]).toBe("");
  expect(lines[0]!.startsWith(`tsbox: ${describeOp}: ${path}: `)).toBe(true);
  expect(lines[0]).toMatch(reason);
}

const describeOf = (op: string[]) => (op[0] === "--write" ? `--write "${op[1]}" ${op[2]}` : op.join(" "));

test("setup: the links point at OUT on the host", () => {
  expect(readlinkSync(join(SCRATCH, "link"))).toBe(OUT);
  expect(readlinkSync(join(SCRATCH, "rel"))).toBe(REL);
  expect(existsSync(OUT)).toBe(false);
  // On the host, both would lead to OUT if it existed.
  mkdirSync(OUT);
  try {
    expect(statSync(join(SCRATCH, "link")).ino).toBe(statSync(OUT).ino);
    expect(statSync(join(SCRATCH, "rel")).ino).toBe(statSync(OUT).ino);
  } finally {
    rmdirSync(OUT);
  }
});

for (const mode of MODES) {
  describe(mode, () => {
    for (const link of ["link", "rel"]) {
      for (const c of CASES) {
        test(`in-root: ${c.name} through ${link} lands in the sandbox's tmpfs`, () => {
          const via = `${MOUNTED_AT["in-root"]}/${link}`;
          const r = runChecked(mode, [...BASE_ARGS["in-root"], ...c.op(via)], c.check);
          expect(r.stderr).toBe("");
          expect(r.stdout).toBe(c.expect);
          expect(r.status).toBe(0);
          expect(existsSync(OUT)).toBe(false);
        }, T);

        test(`bare: ${c.name} through ${link} fails with ENOENT`, () => {
          const via = `${MOUNTED_AT.bare}/${link}`;
          const op = c.op(via);
          const r = runChecked(mode, [...BASE_ARGS.bare, ...op], "true");
          expectFailure(r, describeOf(op), c.names(via), /No such file or directory/);
          expect(existsSync(OUT)).toBe(false);
        }, T);

        test(`host-ro, OUT absent on the host: ${c.name} through ${link} fails with ENOENT`, () => {
          const via = `${MOUNTED_AT["host-ro"]}/${link}`;
          const op = c.name === "--bind +SRC" ? ["--bind", `+${via}`, PLUS_DST] : c.op(via);
          const r = runChecked(mode, [...BASE_ARGS["host-ro"], ...op], "true");
          expectFailure(r, describeOf(op), c.names(via), /No such file or directory/);
          expect(existsSync(OUT)).toBe(false);
        }, T);

        test(`host-ro, OUT an empty host directory: ${c.name} through ${link} changes nothing on the host`, () => {
          const via = `${MOUNTED_AT["host-ro"]}/${link}`;
          mkdirSync(OUT);
          chmodSync(OUT, 0o777);
          try {
            if (c.name === "--tmpfs") {
              // Mounted over OUT as the sandbox sees it; the host's OUT is untouched.
              const r = runChecked(mode, [...BASE_ARGS["host-ro"], ...c.op(via)], `${MOUNTS} | grep -x ${OUT}`);
              expect(r.stderr).toBe("");
              expect(r.stdout).toBe(`${OUT}\n`);
              expect(r.status).toBe(0);
            } else if (c.name === "--bind +SRC") {
              // The "+" source is the host's OUT as the read-only root shows it.
              const op = ["--bind", `+${via}`, PLUS_DST];
              const r = runChecked(mode, [...BASE_ARGS["host-ro"], ...op], `${MOUNTS} | grep -x ${PLUS_DST}; ls -A ${PLUS_DST}; echo end`);
              expect(r.stderr).toBe("");
              expect(r.stdout).toBe(`${PLUS_DST}\nend\n`);
              expect(r.status).toBe(0);
            } else {
              const op = c.op(via);
              const r = runChecked(mode, [...BASE_ARGS["host-ro"], ...op], "true");
              expectFailure(r, describeOf(op), c.names(via), /Read-only file system \(EROFS\)/);
            }
            expect(readdirSync(OUT)).toEqual([]);
          } finally {
            rmdirSync(OUT);
          }
        }, T);
      }
    }
  });
}

test("nothing named after the cases appeared anywhere on the host", () => {
  for (const p of [OUT, "/w", "/tmp/w", "/tmp/z", join(SCRATCH, "x"), join(SCRATCH, "f"), join(SCRATCH, "y"), join(SCRATCH, "z")]) {
    expect({ p, exists: existsSync(p) }).toEqual({ p, exists: false });
  }
  expect(readdirSync(SCRATCH).sort()).toEqual(["link", "rel"]);
  expect(basename(OUT)).toBe("outside");
});

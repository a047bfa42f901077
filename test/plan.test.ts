// Unit tests of the planner (src/plan/plan.ts): the order in which the
// filesystem operations run, and which binds are dropped as implied.

import { describe, expect, test } from "bun:test";
import { plan } from "../src/plan/plan.ts";
import { BindOp, SourceCheckOp } from "../src/ops/bind.ts";
import { TmpfsOp } from "../src/ops/tmpfs.ts";
import type { FsOp } from "../src/ops/op.ts";
import type { FsRequest } from "../src/spec.ts";

// Request builders, named like the options.
const bind = (src: string, dst: string): FsRequest => ({ kind: "bind", src, dst, readonly: false, optional: false, inSandbox: false });
const bindTry = (src: string, dst: string): FsRequest => ({ kind: "bind", src, dst, readonly: false, optional: true, inSandbox: false });
const roBind = (src: string, dst: string): FsRequest => ({ kind: "bind", src, dst, readonly: true, optional: false, inSandbox: false });
const roBindTry = (src: string, dst: string): FsRequest => ({ kind: "bind", src, dst, readonly: true, optional: true, inSandbox: false });
const plusBind = (src: string, dst: string): FsRequest => ({ kind: "bind", src, dst, readonly: false, optional: false, inSandbox: true });
const tmpfs = (dst: string): FsRequest => ({ kind: "tmpfs", dst });
const dir = (dst: string): FsRequest => ({ kind: "dir", dst });
const dev = (dst: string): FsRequest => ({ kind: "dev", dst });
const proc = (dst: string): FsRequest => ({ kind: "proc", dst });
const write = (data: string, dst: string): FsRequest => ({ kind: "write", data, dst });
const symlink = (target: string, dst: string): FsRequest => ({ kind: "symlink", target, dst });
const overlay = (dst: string, lowerdirs: string[]): FsRequest => ({ kind: "overlay", dst, lowerdirs, upperdir: undefined, workdir: undefined });

/** The plan as the user would write it, one op per entry. */
const described = (reqs: FsRequest[]): string[] => plan(reqs).map((op) => op.describe());
const dsts = (ops: readonly FsOp[]): string[] => ops.map((op) => op.dst);

describe("ordering", () => {
  test("by destination: --tmpfs /tmp --ro-bind / / runs / first", () => {
    expect(described([tmpfs("/tmp"), roBind("/", "/")])).toEqual(["--ro-bind / /", "--tmpfs /tmp"]);
  });

  test("a parent before its children whatever the command line's order", () => {
    expect(dsts(plan([
      write("x", "/etc/a/b/c"), tmpfs("/etc/a"), dir("/etc/a/b"), roBind("/", "/"), symlink("t", "/etc/a/b/c/d"),
    ]))).toEqual(["/", "/etc/a", "/etc/a/b", "/etc/a/b/c", "/etc/a/b/c/d"]);
  });

  test("already ordered input is kept", () => {
    const reqs = [roBind("/usr", "/usr"), symlink("usr/bin", "/bin"), dev("/dev"), proc("/proc"), tmpfs("/tmp")];
    expect(dsts(plan(reqs))).toEqual(["/bin", "/dev", "/proc", "/tmp", "/usr"]);
  });

  test("by path components, not by string: /a, /a/b, then /a-b", () => {
    // As strings "/a-b" < "/a/b" ("-" is 0x2d, "/" 0x2f), which would put
    // /a-b between /a and its child.
    expect(dsts(plan([tmpfs("/a-b"), tmpfs("/a/b"), tmpfs("/a")]))).toEqual(["/a", "/a/b", "/a-b"]);
    expect(dsts(plan([dir("/a.b/c"), dir("/a/b/c"), dir("/a/b"), dir("/a.b"), dir("/a")])))
      .toEqual(["/a", "/a/b", "/a/b/c", "/a.b", "/a.b/c"]);
  });

  test("a component prefix sorts before the longer name: /usr, /usr/lib, /usr/lib64, /usrx", () => {
    expect(dsts(plan([dir("/usrx"), dir("/usr/lib64"), dir("/usr/lib"), dir("/usr")])))
      .toEqual(["/usr", "/usr/lib", "/usr/lib64", "/usrx"]);
  });

  test("stable: operations on the same destination keep their command-line order", () => {
    expect(described([write("first", "/f"), write("second", "/f"), write("third", "/f")]))
      .toEqual(['--write "first" /f', '--write "second" /f', '--write "third" /f']);
    expect(described([tmpfs("/x"), dir("/x"), symlink("a", "/y"), tmpfs("/y")]))
      .toEqual(["--tmpfs /x", "--dir /x", "--symlink a /y", "--tmpfs /y"]);
    expect(described([dir("/x"), tmpfs("/x")])).toEqual(["--dir /x", "--tmpfs /x"]);
  });

  test("stable for binds on the same destination too", () => {
    expect(described([bind("/b", "/x"), roBind("/a", "/x"), bind("/c", "/x")]))
      .toEqual(["--bind /b /x", "--ro-bind /a /x", "--bind /c /x"]);
  });

  test("same destination: binds come after the other operations", () => {
    expect(described([bind("/src", "/x"), tmpfs("/x")])).toEqual(["--tmpfs /x", "--bind /src /x"]);
    expect(described([roBind("/src", "/x"), dir("/x"), bind("/s2", "/x"), write("d", "/x")]))
      .toEqual(["--dir /x", '--write "d" /x', "--ro-bind /src /x", "--bind /s2 /x"]);
  });

  test("a bind does not jump ahead of a parent's operations", () => {
    expect(described([bind("/src", "/a/b"), tmpfs("/a")])).toEqual(["--tmpfs /a", "--bind /src /a/b"]);
  });

  test("+SRC binds come after everything, even deeper destinations", () => {
    expect(described([plusBind("/usr/bin", "/a"), tmpfs("/z/y/x"), roBind("/usr", "/usr"), dir("/zz")]))
      .toEqual(["--ro-bind /usr /usr", "--tmpfs /z/y/x", "--dir /zz", "--bind +/usr/bin /a"]);
  });

  test("+SRC binds are ordered among themselves by destination", () => {
    expect(described([plusBind("/b", "/y/z"), plusBind("/a", "/y"), plusBind("/c", "/x")]))
      .toEqual(["--bind +/c /x", "--bind +/a /y", "--bind +/b /y/z"]);
  });

  test("the input array is not modified", () => {
    const reqs = [tmpfs("/tmp"), roBind("/", "/")];
    const copy = structuredClone(reqs);
    plan(reqs);
    expect(reqs).toEqual(copy);
  });

  test("the empty plan", () => {
    expect(plan([])).toEqual([]);
  });
});

describe("dropping implied binds", () => {
  test("a -try child implied by a parent with the same flags is dropped", () => {
    expect(described([bindTry("/", "/"), bindTry("/usr", "/usr")])).toEqual(["--bind-try / /"]);
    expect(described([roBindTry("/", "/"), roBindTry("/usr/lib", "/usr/lib")])).toEqual(["--ro-bind-try / /"]);
  });

  test("a required implied bind becomes a source check", () => {
    const ops = plan([bind("/", "/"), bind("/usr", "/usr")]);
    expect(ops.length).toBe(2);
    expect(ops[0]).toBeInstanceOf(BindOp);
    expect(ops[1]).toBeInstanceOf(SourceCheckOp);
    expect(ops[1]).not.toBeInstanceOf(BindOp);
    const check = ops[1] as SourceCheckOp;
    expect(check.dst).toBe("/usr");
    expect(check.bind.src).toBe("/usr");
    expect(check.describe()).toContain("--bind /usr /usr");
  });

  test("read-only: a required implied bind becomes a source check", () => {
    const ops = plan([roBind("/usr/lib", "/usr/lib"), roBind("/usr", "/usr")]);
    expect(ops.map((o) => o.constructor.name)).toEqual([BindOp.name, SourceCheckOp.name]);
    expect(dsts(ops)).toEqual(["/usr", "/usr/lib"]);
  });

  test("implied under a moved tree: same relative path below SRC and DST", () => {
    const ops = plan([bind("/srv/data", "/mnt"), bind("/srv/data/sub/x", "/mnt/sub/x")]);
    expect(ops.map((o) => o.constructor.name)).toEqual([BindOp.name, SourceCheckOp.name]);
  });

  test("a different relative path is not implied", () => {
    const ops = plan([bind("/srv/data", "/mnt"), bind("/srv/data/a", "/mnt/b"), bind("/srv/other", "/mnt/other")]);
    expect(ops.every((o) => o instanceof BindOp)).toBe(true);
    expect(ops.length).toBe(3);
  });

  test("different flags are not dropped: ro vs rw", () => {
    for (const [parent, child] of [[bind("/", "/"), roBind("/usr", "/usr")], [roBind("/", "/"), bind("/usr", "/usr")]] as const) {
      const ops = plan([parent, child]);
      expect(ops.length).toBe(2);
      expect(ops.every((o) => o instanceof BindOp)).toBe(true);
    }
  });

  test("different flags are not dropped: -try vs required", () => {
    expect(plan([bindTry("/", "/"), bind("/usr", "/usr")]).every((o) => o instanceof BindOp)).toBe(true);
    expect(plan([bind("/", "/"), bindTry("/usr", "/usr")]).every((o) => o instanceof BindOp)).toBe(true);
    expect(plan([bindTry("/", "/"), bind("/usr", "/usr")]).length).toBe(2);
    expect(plan([bind("/", "/"), bindTry("/usr", "/usr")]).length).toBe(2);
  });

  test("a +SRC bind is not implied by a host bind", () => {
    const ops = plan([bind("/", "/"), plusBind("/usr", "/usr")]);
    expect(ops.length).toBe(2);
    expect(ops.every((o) => o instanceof BindOp)).toBe(true);
  });

  test("an operation in between keeps the child bind", () => {
    const ops = plan([bind("/", "/"), tmpfs("/usr"), bind("/usr/lib", "/usr/lib")]);
    expect(described([bind("/", "/"), tmpfs("/usr"), bind("/usr/lib", "/usr/lib")]))
      .toEqual(["--bind / /", "--tmpfs /usr", "--bind /usr/lib /usr/lib"]);
    expect(ops[1]).toBeInstanceOf(TmpfsOp);
    expect(ops[2]).toBeInstanceOf(BindOp);
  });

  test("an operation in between, given in another order, still keeps the child", () => {
    expect(described([bind("/usr/lib", "/usr/lib"), bind("/", "/"), tmpfs("/usr")]))
      .toEqual(["--bind / /", "--tmpfs /usr", "--bind /usr/lib /usr/lib"]);
  });

  test("a bind on the same destination as an operation is kept", () => {
    expect(described([bind("/", "/"), tmpfs("/usr"), bind("/usr", "/usr")]))
      .toEqual(["--bind / /", "--tmpfs /usr", "--bind /usr /usr"]);
  });

  test("an operation beside (not above) the child does not keep it", () => {
    const ops = plan([bind("/", "/"), tmpfs("/opt"), bind("/usr", "/usr")]);
    expect(dsts(ops)).toEqual(["/", "/opt", "/usr"]);
    expect(ops[2]).toBeInstanceOf(SourceCheckOp);
  });

  test("an operation on a sibling with a common string prefix does not keep the child", () => {
    const ops = plan([bind("/", "/"), tmpfs("/us"), bind("/usr", "/usr")]);
    expect(ops[2]).toBeInstanceOf(SourceCheckOp);
  });

  test("an operation below the child does not affect it", () => {
    const ops = plan([bind("/", "/"), bind("/usr", "/usr"), tmpfs("/usr/tmp")]);
    expect(ops.map((o) => o.constructor.name)).toEqual([BindOp.name, SourceCheckOp.name, TmpfsOp.name]);
  });

  test("an overlay between keeps the child", () => {
    const ops = plan([roBind("/", "/"), overlay("/usr", ["/l"]), roBind("/usr/lib", "/usr/lib")]);
    expect(ops[2]).toBeInstanceOf(BindOp);
  });

  test("the nearest ancestor counts: a kept middle bind implies its own children", () => {
    // --ro-bind / /, then a rw --bind /usr /usr (kept: other flags), then
    // rw /usr/lib: implied by /usr, not by /.
    const ops = plan([roBind("/", "/"), bind("/usr", "/usr"), bind("/usr/lib", "/usr/lib"), roBind("/usr/share", "/usr/share")]);
    expect(ops.map((o) => o.constructor.name)).toEqual([BindOp.name, BindOp.name, SourceCheckOp.name, BindOp.name]);
  });

  test("the same bind twice is kept twice (same destination, not below it)", () => {
    // Not below the earlier destination (the same path): a second mount on
    // top is a real operation and is kept.
    const ops = plan([bind("/a", "/x"), bind("/a", "/x")]);
    expect(ops.length).toBe(2);
    expect(ops.every((o) => o instanceof BindOp)).toBe(true);
  });
});

describe("large plans", () => {
  /** Reference order: by components, then a bind after a non-bind. */
  function componentsLess(a: string, b: string): number {
    const x = a.split("/").filter(Boolean), y = b.split("/").filter(Boolean);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return x.length - y.length;
  }

  test("10,000 binds in reverse order are planned in order", () => {
    const reqs: FsRequest[] = [];
    for (let i = 9999; i >= 0; i--) reqs.push(bind(`/src/${i}`, `/dst/${i % 100}/${i}`));
    const ops = plan(reqs);
    expect(ops.length).toBe(10_000);
    expect(ops.every((o) => o instanceof BindOp)).toBe(true);
    const got = dsts(ops);
    const want = reqs.map((r) => r.dst).sort(componentsLess);
    expect(got).toEqual(want);
    expect(new Set(got).size).toBe(10_000);
  });

  test("10,000 binds below one parent bind: all implied", () => {
    const reqs: FsRequest[] = [];
    for (let i = 0; i < 10_000; i++) reqs.push(bindTry(`/h/${i}`, `/h/${i}`));
    reqs.push(bindTry("/", "/"));
    const ops = plan(reqs);
    expect(described(reqs)).toEqual(["--bind-try / /"]);
    expect(ops.length).toBe(1);
  });

  test("10,000 nested-and-sibling binds with ops in between", () => {
    const reqs: FsRequest[] = [roBind("/", "/")];
    for (let i = 0; i < 5_000; i++) {
      reqs.push(tmpfs(`/t${i}`));
      reqs.push(roBind(`/t${i}/x`, `/t${i}/x`)); // kept: the tmpfs is in between
      reqs.push(roBind(`/u${i}`, `/u${i}`)); // implied by /
    }
    const ops = plan(reqs);
    expect(ops.length).toBe(15_001);
    const kept = ops.filter((o) => o instanceof BindOp).length;
    const checks = ops.filter((o) => o instanceof SourceCheckOp).length;
    expect(kept).toBe(1 + 5_000);
    expect(checks).toBe(5_000);
    expect(dsts(ops)).toEqual([...dsts(ops)].sort(componentsLess));
  });
});

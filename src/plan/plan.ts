// The planner: turns the filesystem requests of a SandboxSpec into the
// ordered list of operations that builds the new root.
//
// Order: by the path components of the destination, stably, so a parent is
// set up before anything below it whatever the command line's order; on the
// same destination a bind comes after the other operations; binds with a "+"
// source come after everything else, since they read the finished tree.
// A bind that an earlier bind already implies (same flags, same relative path
// below both source and destination, nothing mounted in between) is dropped.

import type { FsRequest } from "../spec.ts";
import type { FsOp } from "../ops/op.ts";
import { BindOp, SourceCheckOp } from "../ops/bind.ts";
import { DevOp } from "../ops/dev.ts";
import { DirOp } from "../ops/dir.ts";
import { OverlayOp } from "../ops/overlay.ts";
import { ProcOp } from "../ops/proc.ts";
import { SymlinkOp } from "../ops/symlink.ts";
import { TmpfsOp } from "../ops/tmpfs.ts";
import { WriteOp } from "../ops/write.ts";

export function toOp(r: FsRequest): FsOp {
  switch (r.kind) {
    case "tmpfs": return new TmpfsOp(r.dst);
    case "dev": return new DevOp(r.dst);
    case "proc": return new ProcOp(r.dst);
    case "dir": return new DirOp(r.dst);
    case "bind": return new BindOp(r.src, r.dst, r.readonly, r.optional, r.inSandbox);
    case "symlink": return new SymlinkOp(r.target, r.dst);
    case "write": return new WriteOp(r.data, r.dst);
    case "overlay": return new OverlayOp(r.dst, r.lowerdirs, r.upperdir, r.workdir);
  }
}

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "");
}

function compareComponents(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Sort (stable: Array.prototype.sort is) and drop implied binds. O(n log n) plus the dedupe scan. */
export function plan(requests: readonly FsRequest[]): FsOp[] {
  const keyed = requests.map((r) => {
    const op = toOp(r);
    return { op, parts: components(op.dst) };
  });
  keyed.sort((a, b) => {
    if ((a.op.rank === 2) !== (b.op.rank === 2)) return a.op.rank === 2 ? 1 : -1;
    return compareComponents(a.parts, b.parts) || (a.op.rank === b.op.rank ? 0 : a.op.rank - b.op.rank);
  });
  return dedupe(keyed.map((k) => k.op));
}

function under(path: string, parent: string): string | undefined {
  if (parent === "/") return path;
  if (path === parent) return "";
  return path.startsWith(`${parent}/`) ? path.slice(parent.length) : undefined;
}

/**
 * Drop a bind whose effect an earlier bind already has: same flags, and the
 * same path below the earlier bind's source and destination. Any other
 * operation on a destination between the two keeps it (it would cover or
 * replace what the earlier bind put there).
 */
function dedupe(ops: FsOp[]): FsOp[] {
  const out: FsOp[] = [];
  // The chain of kept operations whose destination is an ancestor of the
  // current one; ops are sorted by components, so a stack suffices.
  const stack: FsOp[] = [];
  for (const op of ops) {
    while (stack.length > 0 && under(op.dst, stack[stack.length - 1]!.dst) === undefined) stack.pop();
    const nearest = stack[stack.length - 1];
    if (op instanceof BindOp && nearest instanceof BindOp && implies(nearest, op)) {
      // The mount is implied, but a required source must still exist.
      if (!op.optional) out.push(new SourceCheckOp(op));
      continue;
    }
    out.push(op);
    stack.push(op);
  }
  return out;
}

function implies(parent: BindOp, child: BindOp): boolean {
  if (parent.readonly !== child.readonly || parent.optional !== child.optional || parent.inSandbox !== child.inSandbox) return false;
  const belowDst = under(child.dst, parent.dst);
  const belowSrc = under(child.src, parent.src);
  return belowDst !== undefined && belowDst !== "" && belowDst === belowSrc;
}

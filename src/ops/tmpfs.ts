// --tmpfs DST

import * as sys from "../kernel/sys.ts";
import { at, dirMode, type BuildContext, type FsOp } from "./op.ts";
import { attach, mkdirs, newFs } from "./paths.ts";

/** Mount a fresh tmpfs of `mode` on directory `dst` inside the new root (creating it). */
export function mountTmpfs(ctx: BuildContext, dst: string, mode: number): void {
  const mnt = at(dst, () => newFs("tmpfs", [["mode", mode.toString(8)]], dst));
  try {
    const target = at(dst, () => mkdirs(ctx.root, dst));
    try {
      at(dst, () => attach(mnt, target, dst));
    } finally {
      sys.close(target);
    }
  } finally {
    sys.close(mnt);
  }
  if (dst === "/") ctx.refreshRoot();
}

export class TmpfsOp implements FsOp {
  readonly rank = 0;
  constructor(readonly dst: string) {}
  describe(): string { return `--tmpfs ${this.dst}`; }
  execute(ctx: BuildContext): void { mountTmpfs(ctx, this.dst, dirMode(this.dst)); }
}

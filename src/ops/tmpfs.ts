// --tmpfs DST

import { at, dirMode, type BuildContext, type FsOp } from "./op.ts";
import { mountAt, newFs } from "./paths.ts";

/** Mount a fresh tmpfs of `mode` on directory `dst` inside the new root (creating it). */
export function mountTmpfs(ctx: BuildContext, dst: string, mode: number): void {
  mountAt(ctx, at(dst, () => newFs("tmpfs", [["mode", mode.toString(8)]], dst)), dst, true);
}

export class TmpfsOp implements FsOp {
  readonly rank = 0;
  constructor(readonly dst: string) {}
  describe(): string { return `--tmpfs ${this.dst}`; }
  execute(ctx: BuildContext): void { mountTmpfs(ctx, this.dst, dirMode(this.dst)); }
}

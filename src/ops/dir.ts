// --dir DST

import * as sys from "../kernel/sys.ts";
import { at, dirMode, type BuildContext, type FsOp } from "./op.ts";
import { mkdirs } from "./paths.ts";

export class DirOp implements FsOp {
  readonly rank = 0;
  constructor(readonly dst: string) {}
  describe(): string { return `--dir ${this.dst}`; }
  execute(ctx: BuildContext): void {
    sys.close(at(this.dst, () => mkdirs(ctx.root, this.dst, dirMode(this.dst))));
  }
}

// --write DATA DST

import * as C from "../kernel/constants.ts";
import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { dirname, mkdirs, resolveIn } from "./paths.ts";

export class WriteOp implements FsOp {
  readonly rank = 0;
  constructor(readonly data: string, readonly dst: string) {}
  describe(): string { return `--write ${JSON.stringify(this.data.length > 40 ? `${this.data.slice(0, 40)}...` : this.data)} ${this.dst}`; }
  execute(ctx: BuildContext): void {
    at(this.dst, () => {
      sys.close(mkdirs(ctx.root, dirname(this.dst)));
      const fd = resolveIn(ctx.root, this.dst, C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOCTTY, 0o644);
      try {
        sys.writeAll(fd, new TextEncoder().encode(this.data), this.dst);
      } finally {
        sys.close(fd);
      }
    });
  }
}

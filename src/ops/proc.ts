// --proc DST: the host's /proc, bound recursively (tsbox makes no PID
// namespace, so a fresh procfs would show the same processes anyway).

import { BindOp } from "./bind.ts";
import type { BuildContext, FsOp } from "./op.ts";

export class ProcOp implements FsOp {
  readonly rank = 0;
  private readonly bind: BindOp;
  constructor(readonly dst: string) {
    this.bind = new BindOp("/proc", dst, false, false, false);
  }
  describe(): string { return `--proc ${this.dst}`; }
  execute(ctx: BuildContext): void { this.bind.execute(ctx); }
}

// --proc DST: the host's /proc, bound recursively (tsbox makes no PID namespace).

import { ARCH } from "../kernel/arch.ts";
import * as C from "../kernel/constants.ts";
import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, cloneTree, mkdirs, resolveIn } from "./paths.ts";

export class ProcOp implements FsOp {
  readonly rank = 0;
  constructor(readonly dst: string) {}
  describe(): string { return `--proc ${this.dst}`; }
  execute(ctx: BuildContext): void {
    const proc = at("/proc", () => resolveIn(ctx.hostRoot, "/proc", C.O_PATH | ARCH.O_DIRECTORY));
    try {
      const tree = at("/proc", () => cloneTree(proc, false, "/proc"));
      try {
        const target = at(this.dst, () => mkdirs(ctx.root, this.dst));
        try {
          at(this.dst, () => attach(tree, target, this.dst));
        } finally {
          sys.close(target);
        }
      } finally {
        sys.close(tree);
      }
    } finally {
      sys.close(proc);
    }
  }
}

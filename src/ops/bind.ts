// --bind, --bind-try, --ro-bind, --ro-bind-try (a "+" source is resolved in the sandbox).

import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { ENOENT } from "../kernel/errno.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, cloneTree, fileMountPoint, isDirectory, mkdirs, resolveIn } from "./paths.ts";

export class BindOp implements FsOp {
  readonly rank: 1 | 2;
  constructor(
    readonly src: string,
    readonly dst: string,
    readonly readonly: boolean,
    readonly optional: boolean,
    readonly inSandbox: boolean,
  ) {
    this.rank = inSandbox ? 2 : 1;
  }

  describe(): string {
    const flag = `--${this.readonly ? "ro-" : ""}bind${this.optional ? "-try" : ""}`;
    return `${flag} ${this.inSandbox ? "+" : ""}${this.src} ${this.dst}`;
  }

  execute(ctx: BuildContext): void {
    const shownSrc = `${this.inSandbox ? "+" : ""}${this.src}`;
    let src: number;
    try {
      src = resolveIn(this.inSandbox ? ctx.root : ctx.hostRoot, this.src);
    } catch (e) {
      if (this.optional && e instanceof SysError && e.errno === ENOENT) return;
      return at(shownSrc, () => { throw e; });
    }
    try {
      const dir = at(shownSrc, () => isDirectory(src));
      const tree = at(shownSrc, () => cloneTree(src, this.readonly, shownSrc));
      try {
        const target = at(this.dst, () => (dir ? mkdirs(ctx.root, this.dst) : fileMountPoint(ctx.root, this.dst)));
        try {
          at(this.dst, () => attach(tree, target, this.dst));
        } finally {
          sys.close(target);
        }
      } finally {
        sys.close(tree);
      }
    } finally {
      sys.close(src);
    }
    if (this.dst === "/") ctx.refreshRoot();
  }
}

/** What is left of a required bind that an earlier bind implies: its source must exist. */
export class SourceCheckOp implements FsOp {
  readonly rank: 1 | 2;
  readonly dst: string;
  constructor(readonly bind: BindOp) {
    this.rank = bind.rank;
    this.dst = bind.dst;
  }
  describe(): string { return `${this.bind.describe()} (implied by an earlier bind; source checked)`; }
  execute(ctx: BuildContext): void {
    const b = this.bind;
    const shown = `${b.inSandbox ? "+" : ""}${b.src}`;
    sys.close(at(shown, () => resolveIn(b.inSandbox ? ctx.root : ctx.hostRoot, b.src)));
  }
}

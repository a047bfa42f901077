// --bind, --bind-try, --ro-bind, --ro-bind-try (a "+" source is resolved in the sandbox).

import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { cloneTree, isDirectory, mountAt, resolveIn, tryResolveIn } from "./paths.ts";

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

  /** The source as the user wrote it. */
  get shownSrc(): string {
    return `${this.inSandbox ? "+" : ""}${this.src}`;
  }

  describe(): string {
    return `--${this.readonly ? "ro-" : ""}bind${this.optional ? "-try" : ""} ${this.shownSrc} ${this.dst}`;
  }

  /** An O_PATH fd of the source, resolved in the sandbox or on the host; undefined when a -try source is missing. */
  openSource(ctx: BuildContext): number | undefined {
    const root = this.inSandbox ? ctx.root : ctx.hostRoot;
    return at(this.shownSrc, () => (this.optional ? tryResolveIn(root, this.src) : resolveIn(root, this.src)));
  }

  execute(ctx: BuildContext): void {
    const src = this.openSource(ctx);
    if (src === undefined) return;
    try {
      const dir = at(this.shownSrc, () => isDirectory(src));
      const tree = at(this.shownSrc, () => cloneTree(src, this.readonly, this.shownSrc));
      mountAt(ctx, tree, this.dst, dir);
    } finally {
      sys.close(src);
    }
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
    const src = this.bind.openSource(ctx);
    if (src !== undefined) sys.close(src);
  }
}

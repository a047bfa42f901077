// --symlink SRC DST

import { ARCH } from "../kernel/arch.ts";
import * as C from "../kernel/constants.ts";
import { EEXIST, EISDIR } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, basename, dirname, mkdirs } from "./paths.ts";

export class SymlinkOp implements FsOp {
  readonly rank = 0;
  constructor(readonly target: string, readonly dst: string) {}
  describe(): string { return `--symlink ${this.target} ${this.dst}`; }

  execute(ctx: BuildContext): void {
    at(this.dst, () => {
      const parent = mkdirs(ctx.root, dirname(this.dst));
      const name = basename(this.dst);
      try {
        try {
          sys.symlinkat(this.target, parent, name);
          return;
        } catch (e) {
          if (!(e instanceof SysError && e.errno === EEXIST)) throw e;
        }
        const type = sys.statMode(parent, name, C.AT_SYMLINK_NOFOLLOW) & C.S_IFMT;
        if (type === C.S_IFLNK && sys.readlinkat(parent, name) === this.target) return;
        if (type === C.S_IFDIR) throw new SysError("symlinkat", EISDIR, this.dst);
        this.cover(ctx, parent, name);
      } finally {
        sys.close(parent);
      }
    });
  }

  /** An existing file or other symlink: bind a new symlink over it. */
  private cover(ctx: BuildContext, parent: number, name: string): void {
    const tmp = `symlink-${ctx.nextId()}`;
    sys.symlinkat(this.target, ctx.scratch, tmp);
    // open_tree on a symlink with AT_SYMLINK_NOFOLLOW clones a bind of the link itself.
    const tree = sys.openTree(ctx.scratch, tmp, C.OPEN_TREE_CLONE | C.OPEN_TREE_CLOEXEC | C.AT_SYMLINK_NOFOLLOW, this.dst);
    try {
      const target = sys.openat(parent, name, C.O_PATH | ARCH.O_NOFOLLOW);
      try {
        attach(tree, target, this.dst);
      } finally {
        sys.close(target);
      }
    } finally {
      sys.close(tree);
    }
  }
}

// --dev DST: a private /dev with only the basic device nodes.

import * as C from "../kernel/constants.ts";
import { ARCH } from "../kernel/arch.ts";
import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, fileMountPoint, newFs, resolveIn, tryResolveIn } from "./paths.ts";
import { mountTmpfs } from "./tmpfs.ts";

const NODES = ["null", "zero", "full", "random", "urandom", "tty"] as const;
const OPTIONAL_NODES = ["fuse"] as const;
const LINKS: readonly (readonly [string, string])[] = [
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
  ["fd", "/proc/self/fd"],
  ["core", "/proc/kcore"],
  ["ptmx", "pts/ptmx"],
];

export class DevOp implements FsOp {
  readonly rank = 0;
  constructor(readonly dst: string) {}
  describe(): string { return `--dev ${this.dst}`; }

  execute(ctx: BuildContext): void {
    mountTmpfs(ctx, this.dst, 0o755);
    const dev = at(this.dst, () => resolveIn(ctx.root, this.dst, C.O_PATH | ARCH.O_DIRECTORY));
    try {
      for (const name of NODES) this.bindNode(ctx, name, true);
      for (const name of OPTIONAL_NODES) this.bindNode(ctx, name, false);
      at(this.dst, () => {
        for (const [name, target] of LINKS) sys.symlinkat(target, dev, name);
        sys.mkdirat(dev, "shm", 0o1777);
        sys.mkdirat(dev, "pts", 0o755);
      });
      this.mountPts(dev);
      // A controlling terminal on stderr becomes /dev/console, as a container manager would.
      if (sys.isatty(2)) {
        const console = `${this.dst}/console`;
        at(console, () => {
          const tree = sys.openTree(2, "", C.OPEN_TREE_CLONE | C.OPEN_TREE_CLOEXEC | C.AT_EMPTY_PATH, console);
          const target = fileMountPoint(ctx.root, console);
          try { attach(tree, target, console); } finally { sys.close(target); sys.close(tree); }
        });
      }
    } finally {
      sys.close(dev);
    }
  }

  private bindNode(ctx: BuildContext, name: string, required: boolean): void {
    const host = `/dev/${name}`;
    const src = at(host, () => (required ? resolveIn(ctx.hostRoot, host) : tryResolveIn(ctx.hostRoot, host)));
    if (src === undefined) return;
    const dst = `${this.dst === "/" ? "" : this.dst}/${name}`;
    try {
      const tree = at(host, () => sys.openTree(src, "", C.OPEN_TREE_CLONE | C.OPEN_TREE_CLOEXEC | C.AT_EMPTY_PATH, host));
      try {
        const target = at(dst, () => fileMountPoint(ctx.root, dst));
        try { at(dst, () => attach(tree, target, dst)); } finally { sys.close(target); }
      } finally {
        sys.close(tree);
      }
    } finally {
      sys.close(src);
    }
  }

  private mountPts(dev: number): void {
    const pts = `${this.dst === "/" ? "" : this.dst}/pts`;
    at(pts, () => {
      const mnt = newFs("devpts", [["newinstance", true], ["ptmxmode", "0666"], ["mode", "620"]], pts);
      try {
        const target = sys.openat(dev, "pts", C.O_PATH | ARCH.O_DIRECTORY | ARCH.O_NOFOLLOW);
        try { attach(mnt, target, pts); } finally { sys.close(target); }
      } finally {
        sys.close(mnt);
      }
    });
  }
}

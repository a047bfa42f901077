// --dev DST: a private /dev with only the basic device nodes.

import * as C from "../kernel/constants.ts";
import { ARCH } from "../kernel/arch.ts";
import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, mountAt, newFs, resolveIn, tryResolveIn } from "./paths.ts";
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
      for (const name of NODES) this.bindHostNode(ctx, `/dev/${name}`, name, true);
      for (const name of OPTIONAL_NODES) this.bindHostNode(ctx, `/dev/${name}`, name, false);
      at(this.dst, () => {
        for (const [name, target] of LINKS) sys.symlinkat(target, dev, name);
        sys.mkdirat(dev, "shm", 0o1777);
        sys.mkdirat(dev, "pts", 0o755);
      });
      this.mountPts(dev);
      this.bindConsole(ctx);
    } finally {
      sys.close(dev);
    }
  }

  /** A path below DST. */
  private child(name: string): string {
    return `${this.dst === "/" ? "" : this.dst}/${name}`;
  }

  /**
   * A terminal on stderr becomes /dev/console, as a container manager would.
   * fd 2 itself cannot be cloned: it was opened before unshare, so its mount
   * belongs to the host's namespace (open_tree says EINVAL). Its path, read
   * through the host's /proc, names the same node in our copy of the tree.
   */
  private bindConsole(ctx: BuildContext): void {
    if (!sys.isatty(2)) return;
    let host: string;
    try {
      host = sys.readlinkat(C.AT_FDCWD, `${ctx.hostRootPath}/proc/self/fd/2`);
    } catch {
      return; // no /proc: no console, as with a non-terminal
    }
    // The fd's mount is the host namespace's, so the kernel names it as the
    // host sees it ("/dev/pts/0"); a path through our own tree would carry
    // the /oldroot prefix.
    if (ctx.hostRootPath !== "" && host.startsWith(`${ctx.hostRootPath}/`)) host = host.slice(ctx.hostRootPath.length);
    if (!host.startsWith("/")) return; // "pipe:[...]" and the like
    this.bindHostNode(ctx, host, "console", false);
  }

  /** Bind the host's node `host` (a device file, not followed further) at DST/name. */
  private bindHostNode(ctx: BuildContext, host: string, name: string, required: boolean): void {
    const src = at(host, () => (required ? resolveIn(ctx.hostRoot, host) : tryResolveIn(ctx.hostRoot, host)));
    if (src === undefined) return;
    try {
      const tree = at(host, () => sys.openTree(src, "", C.OPEN_TREE_CLONE | C.OPEN_TREE_CLOEXEC | C.AT_EMPTY_PATH, host));
      mountAt(ctx, tree, this.child(name), false);
    } finally {
      sys.close(src);
    }
  }

  private mountPts(dev: number): void {
    const pts = this.child("pts");
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

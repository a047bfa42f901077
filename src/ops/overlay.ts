// --overlay DST, with the layers given by --overlay-lowerdir/-upperdir/-workdir.

import { ARCH } from "../kernel/arch.ts";
import * as C from "../kernel/constants.ts";
import * as sys from "../kernel/sys.ts";
import { at, type BuildContext, type FsOp } from "./op.ts";
import { attach, canonicalPath, mountAt, newFs, resolveIn } from "./paths.ts";

/** overlayfs splits lowerdir on ":" and honours "\" as an escape. */
function escapeLayer(path: string): string {
  return path.replace(/[\\:]/g, (c) => `\\${c}`);
}

export class OverlayOp implements FsOp {
  readonly rank = 0;
  constructor(
    readonly dst: string,
    readonly lowerdirs: readonly string[],
    readonly upperdir: string | undefined,
    readonly workdir: string | undefined,
  ) {}

  describe(): string {
    const parts = this.lowerdirs.map((l) => `--overlay-lowerdir ${l}`);
    if (this.upperdir !== undefined) parts.push(`--overlay-upperdir ${this.upperdir}`);
    if (this.workdir !== undefined) parts.push(`--overlay-workdir ${this.workdir}`);
    parts.push(`--overlay ${this.dst}`);
    return parts.join(" ");
  }

  /** A host directory as a path the kernel resolves to exactly that directory. */
  private hostLayer(ctx: BuildContext, option: string, dir: string): string {
    return at(`${option} ${dir}`, () => {
      const fd = resolveIn(ctx.hostRoot, dir, C.O_PATH | ARCH.O_DIRECTORY);
      try { return canonicalPath(fd); } finally { sys.close(fd); }
    });
  }

  execute(ctx: BuildContext): void {
    // The first lowerdir given is the bottom layer; overlayfs lists the top first.
    const lower = this.lowerdirs.map((d) => this.hostLayer(ctx, "--overlay-lowerdir", d)).reverse();
    // overlayfs wants two layers at least: a single lower dir alone (read-only)
    // gets an empty one below it, which changes nothing in the view.
    if (lower.length === 1 && this.upperdir === undefined) lower.push(this.emptyLayer(ctx));
    const options: [string, string | true][] = [["lowerdir", lower.map(escapeLayer).join(":")]];
    if (this.upperdir === "tmpfs") {
      const [upper, work] = this.tmpfsUpper(ctx);
      options.push(["upperdir", upper], ["workdir", work]);
    } else if (this.upperdir !== undefined) {
      options.push(["upperdir", this.hostLayer(ctx, "--overlay-upperdir", this.upperdir)]);
      options.push(["workdir", this.hostLayer(ctx, "--overlay-workdir", this.workdir ?? "")]);
    }
    // userxattr: overlayfs refuses trusted.* xattrs in a user namespace.
    options.push(["userxattr", true], ["index", "off"], ["metacopy", "off"]);
    mountAt(ctx, at(this.dst, () => newFs("overlay", options, this.dst)), this.dst, true);
  }

  private emptyLayer(ctx: BuildContext): string {
    const name = `empty-${ctx.nextId()}`;
    at("--overlay", () => sys.mkdirat(ctx.scratch, name, 0o755));
    return `${ctx.scratchPath}/${name}`;
  }

  /** --overlay-upperdir tmpfs: upper and work dirs on a fresh tmpfs in the scratch area. */
  private tmpfsUpper(ctx: BuildContext): [string, string] {
    const name = `overlay-${ctx.nextId()}`;
    const base = `${ctx.scratchPath}/${name}`;
    return at(`--overlay-upperdir tmpfs`, () => {
      sys.mkdirat(ctx.scratch, name, 0o755);
      const mnt = newFs("tmpfs", [["mode", "0755"]], base);
      try {
        const target = sys.openat(ctx.scratch, name, C.O_PATH | ARCH.O_DIRECTORY);
        try { attach(mnt, target, base); } finally { sys.close(target); }
      } finally {
        sys.close(mnt);
      }
      const dir = sys.openat(ctx.scratch, name, C.O_PATH | ARCH.O_DIRECTORY);
      try {
        sys.mkdirat(dir, "upper", 0o755);
        sys.mkdirat(dir, "work", 0o755);
      } finally {
        sys.close(dir);
      }
      return [`${base}/upper`, `${base}/work`];
    });
  }
}

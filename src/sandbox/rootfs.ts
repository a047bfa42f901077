// Building the new root and switching to it.
//
//   1. A staging tmpfs is mounted on an existing host directory (in our own
//      mount namespace, so the host never sees it) and pivot_root moves the
//      host's root to /oldroot below it. Sources are then read from
//      /oldroot, which shows the host's tree whole: the directory the staging
//      tmpfs covered is uncovered again.
//   2. The new root is another tmpfs at /newroot; each planned operation
//      resolves its destination inside it with RESOLVE_IN_ROOT.
//   3. pivot_root(".", ".") from /newroot stacks the staging root on top of
//      the new root, and a lazy unmount of "." detaches it, /oldroot and all.

import { ARCH } from "../kernel/arch.ts";
import * as C from "../kernel/constants.ts";
import { EINVAL } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { SetupError } from "../errors.ts";
import { OpError, type BuildContext, type FsOp } from "../ops/op.ts";

/** Any existing directory will do as the staging mount point; it is uncovered again after step 1. */
const STAGING_CANDIDATES = ["/tmp", "/mnt", "/run", "/var/tmp", "/opt", "/srv", "/home", "/usr", "/etc", "/proc", "/dev"];

function stagingMountPoint(): string {
  for (const dir of STAGING_CANDIDATES) {
    try {
      if ((sys.statMode(C.AT_FDCWD, dir, C.AT_SYMLINK_NOFOLLOW) & C.S_IFMT) === C.S_IFDIR) return dir;
    } catch {
      // try the next one
    }
  }
  throw new SetupError(`no directory to mount the staging tmpfs on (tried ${STAGING_CANDIDATES.join(", ")})`);
}

function setup<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asSetupError(what, e);
  }
}

function asSetupError(what: string, e: unknown): unknown {
  return e instanceof SysError ? new SetupError(`${what}: ${e.message}${refusalHint(e)}`) : e;
}

/** EPERM or ENOSYS from a basic mount call means the environment forbids it, not a bad option. */
export function refusalHint(e: SysError): string {
  return e.errno === 1 || e.errno === 38
    ? " (a seccomp policy or a container runtime forbids mounting here; allow mount(2), or run tsbox where it may mount)"
    : "";
}

export interface BuildOptions {
  readonly debug: boolean;
  readonly log: (line: string) => void;
}

export function buildAndEnterRoot(ops: readonly FsOp[], opts: BuildOptions): void {
  const base = stagingMountPoint();
  setup("mounting the staging tmpfs", () => sys.mount("tsbox", base, "tmpfs", C.MS_NOSUID | C.MS_NODEV, "mode=0700"));
  for (const d of ["oldroot", "newroot", "scratch"]) setup("preparing the staging tmpfs", () => sys.mkdirat(C.AT_FDCWD, `${base}/${d}`, 0o700));

  let staged: string; // where the staging tmpfs is reachable by path from now on
  let pivoted = true;
  try {
    sys.pivotRoot(base, `${base}/oldroot`);
    sys.chdir("/");
    staged = "";
  } catch (e) {
    // The initramfs case: "/" is rootfs and cannot be pivoted away. Build in
    // place (the staging mount point's own content stays hidden), and move
    // the new root over "/" at the end instead.
    if (!(e instanceof SysError && e.errno === EINVAL)) throw asSetupError("pivot_root", e);
    pivoted = false;
    staged = base;
  }

  setup("mounting the new root", () => sys.mount("tsbox-root", `${staged}/newroot`, "tmpfs", 0, "mode=0755"));
  const dirFlags = C.O_PATH | ARCH.O_DIRECTORY;
  const hostRoot = setup("opening the host root", () => sys.openat(C.AT_FDCWD, pivoted ? "/oldroot" : "/", dirFlags));
  const scratch = setup("opening the scratch directory", () => sys.openat(C.AT_FDCWD, `${staged}/scratch`, dirFlags));
  const newRootPath = `${staged}/newroot`;
  let id = 0;
  const ctx: BuildContext = {
    hostRoot,
    hostRootPath: pivoted ? "/oldroot" : "",
    root: sys.openat(C.AT_FDCWD, newRootPath, dirFlags),
    refreshRoot() {
      // After a mount on "/", the old fd still names the covered tmpfs;
      // a path lookup crosses onto the top mount.
      sys.close(this.root);
      this.root = sys.openat(C.AT_FDCWD, newRootPath, dirFlags);
    },
    scratch,
    scratchPath: `${staged}/scratch`,
    nextId: () => id++,
  };

  for (const op of ops) {
    if (opts.debug) opts.log(op.describe());
    try {
      op.execute(ctx);
    } catch (e) {
      if (e instanceof OpError || e instanceof SysError) throw new SetupError(`${op.describe()}: ${e.message}`);
      throw e;
    }
  }

  sys.close(hostRoot);
  sys.close(scratch);
  setup("entering the new root", () => sys.fchdir(ctx.root));
  sys.close(ctx.root);
  if (pivoted) {
    // pivot_root(".", "."): the old root ends up stacked on the new one, and
    // detaching "." removes it (with /oldroot under it) for good.
    setup("pivot_root into the new root", () => sys.pivotRoot(".", "."));
    setup("detaching the old root", () => sys.umount2(".", C.MNT_DETACH));
  } else {
    setup("moving the new root to /", () => sys.mount(".", "/", null, C.MS_MOVE, null));
    setup("chroot into the new root", () => sys.chroot("."));
  }
  setup("entering the new root", () => sys.chdir("/"));
  // A new peer group: mounts the command makes propagate within the sandbox
  // (e.g. into a nested one) but never to the host, whose mounts we are a
  // slave of.
  setup("making the new root shared", () => sys.mount(null, "/", null, C.MS_REC | C.MS_SHARED, null));
}

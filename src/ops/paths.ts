// Resolving and creating paths inside a root given by an fd. openat2 with
// RESOLVE_IN_ROOT treats the fd as "/" for every component, symlinks and ".."
// included, so nothing here can reach outside the tree being built.

import { ARCH } from "../kernel/arch.ts";
import * as C from "../kernel/constants.ts";
import { EEXIST, ENOENT } from "../kernel/errno.ts";
import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { at, type BuildContext } from "./op.ts";

const IN_ROOT = C.RESOLVE_IN_ROOT | C.RESOLVE_NO_MAGICLINKS;

/** "/a/b" -> "a/b"; "/" -> "." (openat2 needs a non-empty path). */
export function relative(path: string): string {
  const r = path.replace(/^\/+/, "");
  return r === "" ? "." : r;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** An fd for `path` inside `root` (O_PATH unless `flags` says otherwise). */
export function resolveIn(root: number, path: string, flags: number = C.O_PATH, mode = 0): number {
  try {
    return sys.openat2(root, relative(path), flags, IN_ROOT, mode);
  } catch (e) {
    if (e instanceof SysError) throw new SysError(e.syscall, e.errno, path);
    throw e;
  }
}

/** Like resolveIn, but undefined when the path does not exist (without the cost of a throw). */
export function tryResolveIn(root: number, path: string, flags: number = C.O_PATH): number | undefined {
  const r = sys.openat2Raw(root, relative(path), flags, IN_ROOT);
  if (r.fd >= 0) return r.fd;
  if (r.errno === ENOENT) return undefined;
  throw new SysError("openat2", r.errno, path);
}

const DIR = C.O_PATH | ARCH.O_DIRECTORY;

/**
 * `mkdir -p` inside `root`, returning an O_PATH fd of the directory. Missing
 * parents get 0755, the last component `mode`; existing ones are kept as
 * they are.
 */
export function mkdirs(root: number, path: string, mode = 0o755): number {
  const fd = tryResolveIn(root, path, DIR);
  if (fd !== undefined) return fd;
  const parent = mkdirs(root, dirname(path));
  try {
    sys.mkdirat(parent, basename(path), mode);
  } catch (e) {
    if (!(e instanceof SysError && e.errno === EEXIST)) throw new SysError("mkdirat", (e as SysError).errno, path);
  } finally {
    sys.close(parent);
  }
  return resolveIn(root, path, DIR);
}

/**
 * A mount point for a non-directory at `path`: the existing entry itself
 * (a symlink is not followed, so a file is mounted on the link), or a new
 * empty file 0644.
 */
export function fileMountPoint(root: number, path: string): number {
  const parent = mkdirs(root, dirname(path));
  try {
    const name = basename(path);
    try {
      return sys.openat(parent, name, C.O_PATH | ARCH.O_NOFOLLOW);
    } catch (e) {
      if (!(e instanceof SysError && e.errno === ENOENT)) throw e;
    }
    const fd = sys.openat(parent, name, C.O_WRONLY | C.O_CREAT | C.O_EXCL | ARCH.O_NOFOLLOW | C.O_NOCTTY, 0o644);
    return fd;
  } catch (e) {
    if (e instanceof SysError) throw new SysError(e.syscall, e.errno, path);
    throw e;
  } finally {
    sys.close(parent);
  }
}

export function isDirectory(fd: number): boolean {
  return (sys.statMode(fd, "", C.AT_EMPTY_PATH) & C.S_IFMT) === C.S_IFDIR;
}

/** Attach a detached mount (an fd from open_tree or fsmount) on the object `target` refers to. */
export function attach(mountFd: number, target: number, label: string): void {
  sys.moveMount(mountFd, "", target, "", C.MOVE_MOUNT_F_EMPTY_PATH | C.MOVE_MOUNT_T_EMPTY_PATH, label);
}

/**
 * Attach the detached mount `mnt` at `dst` inside the new root, on a
 * directory or (for a non-directory mount) a file created there if missing;
 * closes `mnt`. A mount on "/" covers the root fd the context holds, so the
 * context re-opens it.
 */
export function mountAt(ctx: BuildContext, mnt: number, dst: string, dir: boolean): void {
  try {
    const target = at(dst, () => (dir ? mkdirs(ctx.root, dst) : fileMountPoint(ctx.root, dst)));
    try {
      at(dst, () => attach(mnt, target, dst));
    } finally {
      sys.close(target);
    }
  } finally {
    sys.close(mnt);
  }
  if (dst === "/") ctx.refreshRoot();
}

/** A new, detached filesystem instance: fsopen, fsconfig each option, create, fsmount. */
export function newFs(fstype: string, options: readonly (readonly [string, string | true])[], label: string): number {
  const fs = sys.fsopen(fstype);
  try {
    for (const [k, v] of options) {
      if (v === true) sys.fsconfigFlag(fs, k);
      else sys.fsconfigString(fs, k, v, label);
    }
    sys.fsconfigCreate(fs, label);
    return sys.fsmount(fs, 0, label);
  } catch (e) {
    // The filesystem explains a refusal in the context's message log: read(2) on the fs fd.
    const why = e instanceof SysError ? kernelMessages(fs) : "";
    if (why && e instanceof SysError) throw new SysError(e.syscall, e.errno, e.path, why);
    throw e;
  } finally {
    sys.close(fs);
  }
}

function kernelMessages(fs: number): string {
  const out: string[] = [];
  for (let i = 0; i < 8; i++) {
    let msg: Uint8Array;
    try { msg = sys.readFd(fs, 1024); } catch { break; }
    if (msg.length === 0) break;
    out.push(new TextDecoder().decode(msg).replace(/^[ewi] /, ""));
  }
  return out.join("; ");
}

/** A recursive bind of what `fd` refers to, detached, optionally read-only throughout. */
export function cloneTree(fd: number, readonly: boolean, label: string): number {
  // AT_RECURSIVE: a non-recursive clone in a user namespace could uncover
  // what a submount hides, which the kernel refuses.
  const tree = sys.openTree(fd, "", C.OPEN_TREE_CLONE | C.OPEN_TREE_CLOEXEC | C.AT_RECURSIVE | C.AT_EMPTY_PATH, label);
  // mount(2) cannot make a recursive bind read-only below its top; mount_setattr can.
  if (readonly) sys.mountSetattr(tree, "", C.AT_EMPTY_PATH | C.AT_RECURSIVE, C.MOUNT_ATTR_RDONLY, 0, label);
  return tree;
}

/** The canonical path of a directory fd, relative to the process root (fchdir + getcwd: no /proc needed). */
export function canonicalPath(dirFd: number): string {
  sys.fchdir(dirFd);
  return sys.getcwd();
}

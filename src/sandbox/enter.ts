// The orchestration: namespaces, then the new root, then the process state
// the command starts with. Shared by the CLI (which then execs) and the
// library entry point (which returns).

import * as C from "../kernel/constants.ts";
import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { EINVAL } from "../kernel/errno.ts";
import { SetupError } from "../errors.ts";
import { plan } from "../plan/plan.ts";
import type { SandboxSpec } from "../spec.ts";
import { chdirInside } from "./exec.ts";
import {
  assertSingleThreaded, inSingleUidNamespace, loopbackUp, needsUserNamespace, threadCount, unshareNamespaces, writeIdMaps, type Identity,
} from "./namespaces.ts";
import { buildAndEnterRoot, refusalHint } from "./rootfs.ts";

export interface Entered {
  /** tsbox made a user namespace. */
  readonly userns: boolean;
  /** The command's uid inside the sandbox. */
  readonly uid: number;
  /** The sandbox's user namespace maps a single uid (so chown to others cannot work). */
  readonly singleUid: boolean;
}

/**
 * `reexec`, when given, is how to get a single-threaded process if the
 * kernel refuses the user namespace because another thread exists: the CLI
 * re-executes itself. Without it (the re-executed image, the library) the
 * thread count is waited for briefly and then reported.
 */
export function setUpSandbox(spec: SandboxSpec, id: Identity, log: (line: string) => void, reexec?: () => never): Entered {
  const userns = needsUserNamespace(id, spec.becomeRoot);
  // Read before the new root hides the host's /proc.
  const singleUid = userns || (spec.suppressChown && inSingleUidNamespace());
  let flags = C.CLONE_NEWNS;
  if (spec.unshareNet) flags |= C.CLONE_NEWNET;
  if (spec.unshareIpc) flags |= C.CLONE_NEWIPC;
  if (userns) {
    if (reexec === undefined) assertSingleThreaded();
    else if (threadCount() !== 1) reexec();
    // One call: the kernel makes the user namespace first and gives it the
    // others, so --unshare-net needs no CAP_NET_ADMIN outside.
    flags |= C.CLONE_NEWUSER;
  }
  if (spec.debug) log(`unshare flags=0x${flags.toString(16)} userns=${userns}`);
  // A runtime thread may start between the count and the call; then the
  // kernel refuses with EINVAL, having changed nothing, and the re-exec
  // takes over. So a run never fails by chance of thread timing.
  if (!unshareNamespaces(flags, reexec !== undefined)) reexec!();

  const uid = userns && spec.becomeRoot ? 0 : id.uid;
  if (userns) {
    writeIdMaps(id.uid, id.gid, uid, spec.becomeRoot ? 0 : id.gid);
  } else {
    // Without a user namespace our mounts would still propagate to the host
    // through shared peer groups: make everything a slave first. (A mount
    // namespace owned by a new user namespace gets slave copies anyway.)
    try {
      sys.mount(null, "/", null, C.MS_REC | C.MS_SLAVE, null);
    } catch (e) {
      // EINVAL: "/" is not a mount point, e.g. inside a plain chroot. Its
      // mount cannot be cut from the host by path, and mounting anything on
      // it could then show up on the host: refuse before touching anything.
      if (e instanceof SysError && e.errno === EINVAL)
        throw new SetupError(`cutting mount propagation to the host: / is not a mount point (a chroot?): ${e.message}; make it one first (mount --bind DIR DIR before chroot DIR), or run tsbox unprivileged`);
      if (e instanceof SysError) throw new SetupError(`cutting mount propagation to the host: ${e.message}${refusalHint(e)}`);
      throw e;
    }
  }
  if (spec.unshareNet) loopbackUp();
  if (spec.debug) log("namespaces ready");

  const oldUmask = sys.umask(0); // modes given to mkdir/open are exact during setup
  try {
    const ops = plan(spec.fs);
    if (spec.debug) log(`planned ${ops.length} operations`);
    buildAndEnterRoot(ops, { debug: spec.debug, log });
  } finally {
    sys.umask(oldUmask);
  }
  chdirInside(spec.cwd);
  if (spec.debug) log(`root ready, cwd ${spec.cwd}`);
  return { userns, uid, singleUid };
}

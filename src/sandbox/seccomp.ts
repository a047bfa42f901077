// --suppress-chown and --suppress-sync: load the filter from src/seccomp/.
//
// Loaded last before execve, once tsbox holds CAP_SYS_ADMIN in its user
// namespace: with that capability the kernel accepts a filter without
// PR_SET_NO_NEW_PRIVS, which tsbox never sets (it would break setuid
// programs in the sandbox).

import * as sys from "../kernel/sys.ts";
import { SysError } from "../kernel/sys.ts";
import { SetupError } from "../errors.ts";
import type { SandboxSpec } from "../spec.ts";
import { buildFilter, describeFilter, nativeArches } from "../seccomp/filter.ts";

/**
 * chown is only suppressed where it could not work anyway: in a user
 * namespace that maps a single uid (real root can chown, so there the
 * option does nothing, as in mkosi-sandbox).
 */
export function loadSeccompFilter(spec: SandboxSpec, singleUidNamespace: boolean, log?: (line: string) => void): void {
  const opts = { chown: spec.suppressChown && singleUidNamespace, sync: spec.suppressSync };
  if (!opts.chown && !opts.sync) return;
  const arches = nativeArches(process.arch);
  if (log) for (const line of describeFilter(opts, arches)) log(`seccomp: ${line}`);
  try {
    sys.seccompSetFilter(buildFilter(opts, arches));
  } catch (e) {
    const what = [opts.chown && "--suppress-chown", opts.sync && "--suppress-sync"].filter(Boolean).join(" ");
    if (e instanceof SysError) throw new SetupError(`${what}: loading the seccomp filter: ${e.message}`);
    throw e;
  }
}

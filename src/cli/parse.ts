// The command-line parser. mkosi-sandbox's grammar is ordered (options apply
// in the order given, overlay options accumulate until --overlay) and has
// two-value options (--bind SRC DST, --setenv NAME VALUE) whose values are
// taken verbatim even when they start with "-". A generic option library
// (such as `arg`) cannot express that, so this is a small table-driven loop
// over OPTIONS.

import type { FsRequest, ParseResult, SandboxSpec } from "../spec.ts";
import { UsageError } from "../errors.ts";
import { lookupOption } from "./options.ts";

/** Absolute against `cwd`, normalised ("a/../b" -> "/cwd/b", "//x/./" -> "/x"). */
export function absolute(path: string, cwd: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

export function parseArgs(argv: readonly string[], cwd: string): ParseResult {
  const fs: FsRequest[] = [];
  const setenv: [string, string][] = [];
  const unsetenv: string[] = [];
  let chdir = "/";
  let lower: string[] = [];
  let upper: string | undefined;
  let work: string | undefined;
  const flags = {
    becomeRoot: false, suppressChown: false, suppressSync: false, unshareNet: false,
    unshareIpc: false, suspend: false, packFds: false, debug: false,
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") { i++; break; }
    if (!arg.startsWith("-")) break;
    const def = lookupOption(arg);
    if (!def) throw new UsageError(`${arg}: unknown option (see --help)`);
    const n = def.values.length;
    if (i + n >= argv.length) {
      const names = def.values.map((v) => v.name).join(" ");
      throw new UsageError(`${arg}: needs ${n === 1 ? "a value" : `${n} values`} (${def.flag} ${names})`);
    }
    const v = argv.slice(i + 1, i + 1 + n);
    i += n;
    const a0 = v[0]!;
    const a1 = v[1]!;
    switch (def.flag) {
      case "--tmpfs": fs.push({ kind: "tmpfs", dst: absolute(a0, cwd) }); break;
      case "--dev": fs.push({ kind: "dev", dst: absolute(a0, cwd) }); break;
      case "--proc": fs.push({ kind: "proc", dst: absolute(a0, cwd) }); break;
      case "--dir": fs.push({ kind: "dir", dst: absolute(a0, cwd) }); break;
      case "--bind": case "--bind-try": case "--ro-bind": case "--ro-bind-try": {
        const inSandbox = a0.startsWith("+");
        const src = inSandbox ? absolute(a0.slice(1), "/") : absolute(a0, cwd);
        fs.push({
          kind: "bind", src, dst: absolute(a1, cwd), inSandbox,
          readonly: def.flag.startsWith("--ro-"), optional: def.flag.endsWith("-try"),
        });
        break;
      }
      case "--symlink": fs.push({ kind: "symlink", target: a0, dst: absolute(a1, cwd) }); break;
      case "--write": fs.push({ kind: "write", data: a0, dst: absolute(a1, cwd) }); break;
      case "--overlay-lowerdir": lower.push(absolute(a0, cwd)); break;
      case "--overlay-upperdir": upper = a0 === "tmpfs" ? "tmpfs" : absolute(a0, cwd); break;
      case "--overlay-workdir": work = absolute(a0, cwd); break;
      case "--overlay":
        if (lower.length === 0) throw new UsageError(`--overlay ${a0}: needs at least one --overlay-lowerdir before it`);
        if (upper !== undefined && upper !== "tmpfs" && work === undefined)
          throw new UsageError(`--overlay ${a0}: --overlay-upperdir ${upper} needs an --overlay-workdir`);
        fs.push({ kind: "overlay", dst: absolute(a0, cwd), lowerdirs: lower, upperdir: upper, workdir: upper === "tmpfs" ? undefined : work });
        lower = []; upper = undefined; work = undefined;
        break;
      case "--setenv":
        if (a0 === "" || a0.includes("=")) throw new UsageError(`--setenv ${a0}: not a valid variable name`);
        setenv.push([a0, a1]);
        break;
      case "--unsetenv": unsetenv.push(a0); break;
      case "--chdir": chdir = absolute(a0, cwd); break;
      case "--same-dir": chdir = cwd; break;
      case "--become-root": flags.becomeRoot = true; break;
      case "--suppress-chown": flags.suppressChown = true; break;
      case "--suppress-sync": flags.suppressSync = true; break;
      case "--unshare-net": flags.unshareNet = true; break;
      case "--unshare-ipc": flags.unshareIpc = true; break;
      case "--suspend": flags.suspend = true; break;
      case "--pack-fds": flags.packFds = true; break;
      case "--debug": flags.debug = true; break;
      case "--help": return { action: "help" };
      case "--version": return { action: "version" };
      default: throw new Error(`option table entry without a handler: ${def.flag}`);
    }
  }
  if (lower.length > 0 || upper !== undefined || work !== undefined)
    throw new UsageError("--overlay-lowerdir/--overlay-upperdir/--overlay-workdir given without a following --overlay");

  const spec: SandboxSpec = { fs, setenv, unsetenv, cwd: chdir, ...flags, command: argv.slice(i) };
  return { action: "run", spec };
}

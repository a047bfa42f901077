// The option table: the single source of truth for tsbox's command line.
// The parser, --help, the man page and the shell completions are all derived
// from it, so an option is added here and nowhere else.

/** What kind of value an argument is, so completions know what to offer. */
export type ValueKind = "path" | "dir" | "text" | "env" | "host-or-tmpfs";

export type Group = "Filesystem" | "Overlay" | "Environment" | "Namespaces and identity" | "System calls" | "Process" | "Other";

export interface OptionDef {
  /** The long flag, e.g. "--bind". */
  readonly flag: string;
  /** Short aliases, e.g. ["-h"]. */
  readonly aliases?: readonly string[];
  /** Names of the values it takes, in order; their count is the option's arity. */
  readonly values: readonly { readonly name: string; readonly kind: ValueKind }[];
  readonly group: Group;
  readonly help: string;
}

const p = (name: string, kind: ValueKind = "path") => ({ name, kind });

export const OPTIONS: readonly OptionDef[] = [
  { flag: "--tmpfs", values: [p("DST")], group: "Filesystem", help: "Mount a new tmpfs at DST (mode 0755; 1777 for .../tmp and .../var/tmp)." },
  { flag: "--dev", values: [p("DST")], group: "Filesystem", help: "Set up a private /dev at DST with only the basic device nodes." },
  { flag: "--proc", values: [p("DST")], group: "Filesystem", help: "Bind the host's /proc at DST." },
  { flag: "--dir", values: [p("DST")], group: "Filesystem", help: "Create directory DST and its missing parents (mode 0755; 1777 for .../tmp)." },
  { flag: "--bind", values: [p("SRC"), p("DST")], group: "Filesystem", help: "Recursively bind SRC to DST. A +SRC is resolved inside the sandbox." },
  { flag: "--bind-try", values: [p("SRC"), p("DST")], group: "Filesystem", help: "Like --bind, but skip it silently if SRC does not exist." },
  { flag: "--ro-bind", values: [p("SRC"), p("DST")], group: "Filesystem", help: "Like --bind, but read-only, submounts included." },
  { flag: "--ro-bind-try", values: [p("SRC"), p("DST")], group: "Filesystem", help: "Like --ro-bind, but skip it silently if SRC does not exist." },
  { flag: "--symlink", values: [p("SRC", "text"), p("DST")], group: "Filesystem", help: "Create a symlink at DST pointing to SRC (mounted over an existing file)." },
  { flag: "--write", values: [p("DATA", "text"), p("DST")], group: "Filesystem", help: "Write exactly DATA to the file DST." },
  { flag: "--overlay-lowerdir", values: [p("DIR", "dir")], group: "Overlay", help: "Add host directory DIR as the next (higher) lower layer." },
  { flag: "--overlay-upperdir", values: [p("DIR", "host-or-tmpfs")], group: "Overlay", help: "Use host directory DIR (or \"tmpfs\") as the upper layer." },
  { flag: "--overlay-workdir", values: [p("DIR", "dir")], group: "Overlay", help: "Use host directory DIR as the overlay work directory." },
  { flag: "--overlay", values: [p("DST")], group: "Overlay", help: "Mount an overlay of the layers given so far at DST, then reset them." },
  { flag: "--setenv", values: [p("NAME", "env"), p("VALUE", "text")], group: "Environment", help: "Set NAME to VALUE in the sandbox." },
  { flag: "--unsetenv", values: [p("NAME", "env")], group: "Environment", help: "Remove NAME from the sandbox's environment." },
  { flag: "--chdir", values: [p("DIR", "dir")], group: "Environment", help: "Start the command in DIR (default: /)." },
  { flag: "--same-dir", values: [], group: "Environment", help: "Start the command in the current directory." },
  { flag: "--become-root", values: [], group: "Namespaces and identity", help: "Map the caller to uid and gid 0 in the sandbox." },
  { flag: "--unshare-net", values: [], group: "Namespaces and identity", help: "Run in a new network namespace (loopback only)." },
  { flag: "--unshare-ipc", values: [], group: "Namespaces and identity", help: "Run in a new IPC namespace." },
  { flag: "--suppress-chown", values: [], group: "System calls", help: "Make chown() and friends succeed without doing anything." },
  { flag: "--suppress-sync", values: [], group: "System calls", help: "Make sync() and friends succeed without doing anything." },
  { flag: "--suspend", values: [], group: "Process", help: "Stop with SIGSTOP right before running the command." },
  { flag: "--pack-fds", values: [], group: "Process", help: "Renumber inherited fds from 3 and set LISTEN_FDS and LISTEN_PID." },
  { flag: "--debug", values: [], group: "Other", help: "Print each planned operation to stderr before it runs." },
  { flag: "--version", values: [], group: "Other", help: "Show the version and exit." },
  { flag: "--help", aliases: ["-h"], values: [], group: "Other", help: "Show this help and exit." },
];

export const GROUP_ORDER: readonly Group[] = [
  "Filesystem", "Overlay", "Environment", "Namespaces and identity", "System calls", "Process", "Other",
];

const byFlag = new Map<string, OptionDef>();
for (const o of OPTIONS) {
  byFlag.set(o.flag, o);
  for (const a of o.aliases ?? []) byFlag.set(a, o);
}

export function lookupOption(flag: string): OptionDef | undefined {
  return byFlag.get(flag);
}

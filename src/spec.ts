// The typed description of a sandbox: what the command line asked for, with
// every path already absolute. Pure data; nothing here touches the kernel.

export type FsRequest =
  | { readonly kind: "tmpfs"; readonly dst: string }
  | { readonly kind: "dev"; readonly dst: string }
  | { readonly kind: "proc"; readonly dst: string }
  | { readonly kind: "dir"; readonly dst: string }
  | {
      readonly kind: "bind";
      /** Absolute; resolved in the sandbox when `inSandbox`, else on the host. */
      readonly src: string;
      readonly dst: string;
      readonly readonly: boolean;
      /** The -try variants: a missing source is skipped silently. */
      readonly optional: boolean;
      /** The source had a leading "+". */
      readonly inSandbox: boolean;
    }
  | { readonly kind: "symlink"; readonly target: string; readonly dst: string }
  | { readonly kind: "write"; readonly data: string; readonly dst: string }
  | {
      readonly kind: "overlay";
      readonly dst: string;
      /** Bottom layer first, as given on the command line. */
      readonly lowerdirs: readonly string[];
      /** A host directory, "tmpfs", or undefined for a read-only overlay. */
      readonly upperdir: string | undefined;
      readonly workdir: string | undefined;
    };

export interface SandboxSpec {
  readonly fs: readonly FsRequest[];
  readonly setenv: readonly (readonly [string, string])[];
  readonly unsetenv: readonly string[];
  /** Where the command starts; "/" unless --chdir or --same-dir. */
  readonly cwd: string;
  readonly becomeRoot: boolean;
  readonly suppressChown: boolean;
  readonly suppressSync: boolean;
  readonly unshareNet: boolean;
  readonly unshareIpc: boolean;
  readonly suspend: boolean;
  readonly packFds: boolean;
  readonly debug: boolean;
  /** The command and its arguments; empty means "bash" for the CLI. */
  readonly command: readonly string[];
}

export type ParseResult =
  | { readonly action: "run"; readonly spec: SandboxSpec }
  | { readonly action: "help" }
  | { readonly action: "version" };

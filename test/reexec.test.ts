// The single-thread re-exec. When the runtime has started no thread yet,
// tsbox creates the user namespace directly; otherwise (or when a thread
// appears between the count and the call, which the kernel answers with
// EINVAL) it re-executes itself with settings that start none. Forcing the
// JIT to compile at once (BUN_JSC_jitPolicyScale=0, a caller's own runtime
// setting) makes the runtime multi-threaded and so exercises that path.

import { describe, expect, test } from "bun:test";
import { sh } from "./helpers.ts";

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SCRIPT = "env | grep -E '^(BUN_JSC_|MIMALLOC_|TSBOX_)' | sort; cat /proc/self/uid_map; echo $$";

describe("[user] user namespace and threads", () => {
  test("a multi-threaded first image re-executes itself, and the command sees only the caller's variables", () => {
    for (let i = 0; i < 20; i++) {
      const r = sh("user", ["--debug", "--ro-bind", "/", "/", "--become-root"], SCRIPT, { env: { PATH, BUN_JSC_jitPolicyScale: "0" } });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain("re-executing with the single-thread runtime settings");
      expect(r.stderr).toContain("(after the single-thread re-exec)");
      const lines = r.stdout.trim().split("\n");
      expect(lines[0]).toBe("BUN_JSC_jitPolicyScale=0");
      expect(lines[1]!.trim().split(/\s+/)).toEqual(["0", "65534", "1"]);
      expect(lines.length).toBe(3);
    }
  });

  test("without that setting the first image is single-threaded and goes straight on", () => {
    const r = sh("user", ["--debug", "--ro-bind", "/", "/"], SCRIPT, { env: { PATH } });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")[0]!.trim().split(/\s+/)).toEqual(["65534", "65534", "1"]);
    // Either path is correct; what matters is that the run succeeded and leaked nothing.
    expect(r.stdout).not.toMatch(/^(BUN_JSC_|MIMALLOC_|TSBOX_)/m);
  });
});

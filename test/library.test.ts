// enter(): the sandbox set up around the calling Bun process, as root and as
// uid 65534. The library is loaded as a single bundled file with require(),
// as the README tells library users to (see src/index.ts for why).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostMounts, NOBODY, ROOT, scratch } from "./helpers.ts";
import { singleThreadEnv } from "../src/sandbox/reexec.ts";

let dir: string;
let before: string;

beforeAll(() => {
  dir = scratch("tsbox-lib-");
  const b = spawnSync(process.execPath, ["build", "--target=bun", join(ROOT, "src", "index.ts"), "--outfile", join(dir, "tsbox-lib.js")], { encoding: "utf8" });
  expect(b.status).toBe(0);
  chmodSync(join(dir, "tsbox-lib.js"), 0o644);
  before = hostMounts();
});

afterAll(() => {
  expect(hostMounts()).toBe(before);
});

function app(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `const { enter } = require(${JSON.stringify(join(dir, "tsbox-lib.js"))});\nconst fs = require("node:fs");\n${body}\n`);
  chmodSync(path, 0o644);
  return path;
}

function runApp(path: string, user: boolean, env: Record<string, string> = {}) {
  const base = { PATH: "/usr/bin:/bin", ...env };
  const cmd = user ? "setpriv" : process.execPath;
  const args = user ? ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", process.execPath, path] : [path];
  return spawnSync(cmd, args, { encoding: "utf8", env: base, cwd: "/" });
}

describe("enter()", () => {
  const body = `
    const r = enter(["--become-root", "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--setenv", "TSBOX_LIB_TEST", "yes"]);
    fs.writeFileSync("/tmp/inside", "written inside");
    const status = fs.readFileSync("/proc/self/status", "utf8");
    console.log(JSON.stringify({
      r, env: process.env.TSBOX_LIB_TEST, file: fs.readFileSync("/tmp/inside", "utf8"),
      uidMap: fs.readFileSync("/proc/self/uid_map", "utf8").trim().split(/\\s+/),
      uid: process.getuid(), cwd: process.cwd(),
      rootRo: fs.readFileSync("/proc/self/mountinfo", "utf8").split("\\n").some((l) => l.split(" ")[4] === "/" && l.split(" ")[5].split(",").includes("ro")),
    }));`;

  test("as root: sets up the sandbox in-process and returns", () => {
    const r = runApp(app("root.js", body), false);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.r).toEqual({ userns: false, uid: 0, singleUid: false });
    expect(out.env).toBe("yes");
    expect(out.file).toBe("written inside");
    expect(out.uidMap).toEqual(["0", "0", "4294967295"]);
    expect(out.cwd).toBe("/");
    expect(out.rootRo).toBe(true);
    expect(existsSync("/tmp/inside")).toBe(false); // the tmpfs was the sandbox's, not the host's
  });

  test("as uid 65534 started with singleThreadEnv: becomes root in a user namespace", () => {
    const r = runApp(app("user.js", body), true, { ...singleThreadEnv });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.r).toEqual({ userns: true, uid: 0, singleUid: true });
    expect(out.uid).toBe(0);
    expect(out.uidMap).toEqual(["0", String(NOBODY), "1"]);
    expect(out.rootRo).toBe(true);
  });

  test("as uid 65534 without singleThreadEnv: a clear error naming the thread rule", () => {
    const r = runApp(app("threads.js", `
      // Force helper threads the way a real program would: a burst of allocation and JIT.
      let s = 0; for (let i = 0; i < 3e6; i++) s += [i].length; 
      try { enter(["--become-root"]); console.log("entered"); } catch (e) { console.log(e.name + ": " + e.message); }`), true);
    expect(r.status).toBe(0);
    // Without those variables the runtime's JIT and GC threads are running.
    expect(r.stdout).toContain("SetupError: cannot create a user namespace");
    expect(r.stdout).toContain("singleThreadEnv");
  });

  test("refuses a command and --help", () => {
    const r = runApp(app("bad.js", `
      for (const a of [["--ro-bind", "/", "/", "true"], ["--help"], ["--suspend"]]) {
        try { enter(a); console.log("no error"); } catch (e) { console.log(e.name); }
      }`), false);
    expect(r.stdout.trim().split("\n")).toEqual(["UsageError", "UsageError", "UsageError"]);
  });
});

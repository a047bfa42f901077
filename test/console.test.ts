// --dev binds a terminal on stderr as /dev/console. The terminal comes from
// util-linux's `script`, which runs the command on a new pseudo-terminal.

import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { binary } from "./helpers.ts";

const hasScript = spawnSync("which", ["script"]).status === 0;

test.skipIf(!hasScript)("[root] --dev: stderr's terminal is /dev/console, writable; without a terminal there is none", () => {
  const inner = `${binary()} --ro-bind / / --dev /dev -- sh -c 'stat -c %F /dev/console; echo through-console > /dev/console'`;
  const r = spawnSync("script", ["-qec", inner, "/dev/null"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", TERM: "dumb" } });
  expect(r.status).toBe(0);
  const out = r.stdout.replace(/\r/g, "");
  expect(out).toContain("character special file\n");
  expect(out).toContain("through-console\n");

  const plain = spawnSync(binary(), ["--ro-bind", "/", "/", "--dev", "/dev", "--", "sh", "-c", "test -e /dev/console && echo yes || echo no"], { encoding: "utf8" });
  expect(plain.stdout).toBe("no\n");
});

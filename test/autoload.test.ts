// The compiled binary must not read .env or bunfig.toml from the directory
// it is run in: a sandbox would otherwise take settings (or a preload
// script) from wherever a build happens to call it.

import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MODES, scratch, sh } from "./helpers.ts";

for (const mode of MODES) {
  test(`[${mode}] ignores .env and bunfig.toml in the current directory`, () => {
    const dir = scratch("tsbox-autoload-");
    const marker = join(dir, "preloaded");
    writeFileSync(join(dir, ".env"), "TSBOX_FROM_DOTENV=leaked\n");
    writeFileSync(join(dir, "evil.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`);
    writeFileSync(join(dir, "bunfig.toml"), `preload = ["./evil.ts"]\n`);
    const r = sh(mode, ["--ro-bind", "/", "/", "--same-dir"], "echo \"dotenv=${TSBOX_FROM_DOTENV-unset}\"; pwd", { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`dotenv=unset\n${dir}\n`);
    expect(existsSync(marker)).toBe(false);
  });
}

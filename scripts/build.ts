// Builds dist/tsbox: a standalone executable for this machine.
import { $ } from "bun";
import { mkdirSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
mkdirSync(`${root}/dist`, { recursive: true });
// --no-compile-autoload-*: the binary must not read .env or bunfig.toml from
// whatever directory it is run in.
await $`${process.execPath} build --compile --bytecode --minify --no-compile-autoload-dotenv --no-compile-autoload-bunfig ${root}/src/cli.ts --outfile ${root}/dist/tsbox`.quiet();
console.log("built dist/tsbox");

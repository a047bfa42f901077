#!/usr/bin/env bun
// `bunx tsbox`: runs the single-file bundle built into dist/ when the package
// is packed. It is loaded with a synchronous require of ONE file because Bun
// starts thread-pool threads to load a graph of many modules, and the kernel
// refuses a user namespace to a multi-threaded process. In a source checkout
// without a build, the sources are run directly (fine as root; an
// unprivileged run then fails with a clear message about threads).
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const bundle = join(__dirname, "..", "dist", "tsbox.js");
require(existsSync(bundle) ? bundle : join(__dirname, "..", "src", "cli.ts"));

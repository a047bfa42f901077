// The whole test suite: builds dist/tsbox if needed, runs every test file
// with bun test, and ends with the line CI reads: "N passed, N failed".
//
//   bun scripts/test.ts [bun test arguments...]

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bun = process.execPath;

if (!existsSync(join(root, "dist", "tsbox")) || process.env.TSBOX_REBUILD !== "0") {
  const b = spawnSync(bun, [join(root, "scripts", "build.ts")], { stdio: "inherit", cwd: root });
  if (b.status !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

const dir = mkdtempSync("/tmp/tsbox-junit-");
const report = join(dir, "junit.xml");
// Every file the tests make goes below this directory, removed at the end.
const work = mkdtempSync("/tmp/tsbox-tests-");
const r = spawnSync(bun, ["test", "--timeout", "120000", "--reporter=junit", `--reporter-outfile=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: root,
  env: { ...process.env, TSBOX_TEST_TMP: work },
});
rmSync(work, { recursive: true, force: true });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const xml = readFileSync(report, "utf8");
  // Count <testcase> elements: failed ones contain <failure> or <error>, skipped ones <skipped>.
  for (const m of xml.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[1] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
}
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0 && failed === 0) failed = 1; // the runner itself failed (e.g. a file did not load)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);

// 500 unprivileged runs in a row: the user-namespace step must never fail
// (a multi-threaded runtime makes unshare(CLONE_NEWUSER) fail intermittently).

import { expect, test } from "bun:test";
import { binary, hostMounts, tsbox, type Run } from "./helpers.ts";

const RUNS = 500;

test(`${RUNS} unprivileged runs of --ro-bind / / -- true all exit 0`, () => {
  binary();
  const before = hostMounts();
  const failures: { run: number; result: Run }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = tsbox("user", ["--ro-bind", "/", "/", "--", "true"]);
    if (r.status !== 0 || r.signal !== null || r.stderr !== "") failures.push({ run: i, result: r });
  }
  const first = failures[0];
  const summary = first
    ? `${failures.length}/${RUNS} runs failed; first (run ${first.run}): exit ${first.result.status} signal ${first.result.signal}\n${first.result.stderr}`
    : "";
  expect(summary).toBe("");
  expect(failures).toEqual([]);
  expect(hostMounts()).toBe(before);
}, 600_000);

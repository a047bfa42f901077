// The per-phase breakdown behind --debug: each line carries the time since
// the process started (performance.now() counts from the runtime's start).

import { writeSync } from "node:fs";

export type Log = (line: string) => void;

export function debugLog(): Log {
  return (line) => writeSync(2, `tsbox: debug: [${performance.now().toFixed(2)}ms] ${line}\n`);
}

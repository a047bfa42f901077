// The per-phase breakdown behind --debug: each line carries the time since
// the process started (performance.now() counts from the runtime's start).

import { writeAll } from "./kernel/sys.ts";

export type Log = (line: string) => void;

export function debugLog(): Log {
  return (line) => writeAll(2, new TextEncoder().encode(`tsbox: debug: [${performance.now().toFixed(2)}ms] ${line}\n`));
}

/**
 * Phase timings for whoever tunes berth's speed: with BERTH_TRACE=1 each mark prints
 * `berth trace <ms since start> <what>` on stderr (written with fs.writeSync: the process.stderr
 * stream costs ~20 ms to set up in a compiled binary).
 */
import { writeSync } from "node:fs";

const enabled = process.env.BERTH_TRACE === "1";

export function mark(what: string): void {
  if (!enabled) return;
  writeSync(2, `berth trace ${performance.now().toFixed(1).padStart(7)} ms  ${what}\n`);
}

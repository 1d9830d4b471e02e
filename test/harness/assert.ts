/** Small assertions the kernel suites share. */
import { expect } from "vitest";
import type { PluginOutput } from "./plugin.ts";

/** The plugin call succeeded (the message shows its stdout and stderr when not). */
export function ok<T extends PluginOutput>(out: T): T {
  expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
  return out;
}

/** One ping from inside `from` to `ip`: true when it came back (false also when ping fails). */
export function ping(from: { run: (cmd: string, args: string[]) => string }, ip: string, waitSeconds = 2): boolean {
  try {
    return from.run("ping", ["-c", "1", "-W", String(waitSeconds), ip]).includes("1 received");
  } catch {
    return false;
  }
}

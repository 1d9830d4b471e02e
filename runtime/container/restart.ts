/**
 * docker's restart policies, without a daemon: the container's monitor (the foreground `berth
 * run` or its detached `berth shim`) runs it again after it ends, while the policy says so and
 * nobody stopped it (stop, kill, rm). A monitor that dies takes the policy with it (no daemon
 * brings containers back after a reboot).
 */
import type { RestartPolicy } from "./store.ts";

/** docker's --restart value: no, always, unless-stopped, on-failure[:N]. */
export function parseRestart(text: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) throw new Error(`invalid restart policy "${text}": use no, always, unless-stopped or on-failure[:max-retries]`);
  return { name: m[1] as "no", maximumRetryCount: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Whether the policy brings a container back after it ended with `exitCode` (`restarts` so far). */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, restarts: number, stopRequested: boolean): boolean {
  if (policy === undefined || policy.name === "no" || stopRequested) return false;
  if (policy.name === "on-failure") return exitCode !== 0 && (policy.maximumRetryCount === 0 || restarts < policy.maximumRetryCount);
  return true;
}

/** docker's back-off between restarts: 100 ms, doubling, at most a minute. */
export function restartDelayMs(restarts: number): number {
  return Math.min(100 * 2 ** restarts, 60_000);
}

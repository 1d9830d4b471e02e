/**
 * An error a command ends with, as one line for the user: what failed, on which object, and
 * what to do about it. Usage mistakes exit 125 (as docker's CLI does), everything else 1.
 */
import { UsageError } from "./context.ts";

export interface Failure {
  message: string;
  exitCode: number;
}

export function describeFailure(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  // Told apart by name, not instanceof: the CLI does not load the store's modules to report their errors.
  const name = err instanceof Error ? err.name : "";
  if (err instanceof UsageError) return { message, exitCode: 125 };
  if (name === "NoSuchImageError") return { message: `${message}: see 'berth images'`, exitCode: 1 };
  if (name === "AmbiguousImageError") return { message: `${message}: give more digits of the ID, or a name`, exitCode: 1 };
  if (name === "ImageConflictError") return { message: `${message}: remove it with -f`, exitCode: 1 };
  if (name === "InvalidReferenceError") return { message: `${message}: names look like busybox, busybox:1.36 or registry:5000/team/app@sha256:…`, exitCode: 1 };
  if (name === "ChangeError") return { message, exitCode: 1 };
  if (name === "LockTimeoutError") return { message: `${message}: another berth command is using the image store, try again`, exitCode: 1 };
  const cause = err instanceof Error && err.cause instanceof Error && !message.includes(err.cause.message) ? `: ${err.cause.message}` : "";
  return { message: `${message}${cause}`, exitCode: 1 };
}

/** Print `berth COMMAND: message` on stderr and return the exit code. */
export function reportFailure(command: string, err: unknown): number {
  const { message, exitCode } = describeFailure(err);
  process.stderr.write(`berth ${command}: ${message}\n`);
  return exitCode;
}

/** Thrown by a command that already told the user what failed (e.g. rmi of several images). */
export class ReportedFailure extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`failed with exit code ${exitCode}`);
    this.name = "ReportedFailure";
    this.exitCode = exitCode;
  }
}

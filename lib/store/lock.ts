/**
 * Advisory file locks (flock) for read-modify-write of shared state across processes.
 * A lock is held by an open file description, so a process killed while holding it releases it.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { sys, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, hasErrno } from "../../native/index.ts";

export class LockTimeoutError extends Error {
  readonly path: string;
  constructor(path: string, timeoutMs: number) {
    super(`Cannot lock ${JSON.stringify(path)}: still held by another process after ${timeoutMs} ms`);
    this.name = "LockTimeoutError";
    this.path = path;
  }
}

export interface LockOptions {
  /** Shared (readers) instead of exclusive. */
  shared?: boolean;
  /** Give up after this long (default 30 s): callers map it to CNI code 11, try again later. */
  timeoutMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** A held lock; release() (or `using`) unlocks and closes. */
export class FileLock {
  readonly path: string;
  #fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Take the lock on `path` (created if missing), waiting up to the timeout. */
  static acquire(path: string, options: LockOptions = {}): FileLock {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const fd = openSync(path, "a", 0o600);
    const op = (options.shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let backoff = 1;
    for (;;) {
      try {
        sys.flock(fd, op);
        return new FileLock(path, fd);
      } catch (err) {
        if (!hasErrno(err, "EAGAIN")) {
          closeSync(fd);
          throw err;
        }
      }
      if (Date.now() >= deadline) {
        closeSync(fd);
        throw new LockTimeoutError(path, timeoutMs);
      }
      sleepMs(Math.min(backoff, Math.max(1, deadline - Date.now())));
      backoff = Math.min(backoff * 2, 50);
    }
  }

  release(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      sys.flock(fd, LOCK_UN);
    } finally {
      closeSync(fd);
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/** Run `fn` holding the lock on `path`. `fn` may be async; the lock is held until it settles. */
export async function withLock<T>(path: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = FileLock.acquire(path, options);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

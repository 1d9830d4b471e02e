/**
 * Crash-safe files: a write goes to a temporary file in the same directory, is flushed to disk,
 * and renamed over the target, so a reader (or a process killed mid-write) sees either the old
 * content or the new one, never a mix.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname, basename } from "node:path";

let sequence = 0;

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /** Create missing parent directories with this mode (default: do not create). */
  mkdirMode?: number;
  /** fsync the file and its directory (default true): survive a power cut, not just a kill. */
  durable?: boolean;
}

/** Replace `path` with `data` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  if (options.mkdirMode !== undefined) mkdirSync(dir, { recursive: true, mode: options.mkdirMode });
  sequence += 1;
  const tmp = `${dir}/.${basename(path)}.tmp-${process.pid}-${sequence}`;
  const fd = openSync(tmp, "wx", options.mode ?? 0o644);
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    if (options.durable !== false) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  if (options.durable !== false) {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}

/**
 * Small file helpers for the disk store.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function readBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

let tempSequence = 0;

export function isErrno(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}

export function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
}

/**
 * Create `path` with `data` only if it does not exist, with the content appearing all at once:
 * written to a temporary file, then hard-linked into place (link fails with EEXIST instead of
 * replacing, unlike rename). Returns false when `path` already exists.
 */
export function createExclusive(path: string, data: string, durable: boolean): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++tempSequence}`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if (isErrno(err, "EEXIST")) {
      unlinkIfPresent(tmp);
      return false;
    }
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK"].includes((err as { code?: string }).code ?? "")) {
      unlinkIfPresent(tmp);
      throw err;
    }
    // No hard links on this filesystem. Callers hold the store lock, so check-then-rename is safe.
    try {
      statSync(path);
      unlinkIfPresent(tmp);
      return false;
    } catch {
      renameSync(tmp, path);
      return true;
    }
  }
  unlinkIfPresent(tmp);
  if (durable) {
    const dfd = openSync(dirname(path), "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
  return true;
}

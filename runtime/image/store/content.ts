/**
 * The content store: blobs (manifests, configs, layers) kept by their sha256 digest under
 * `${root}/content/blobs/sha256/<hex>`, the layout of an OCI image layout's blobs directory.
 *
 * A blob is written to a temporary file in `${root}/content/ingest/`, hashed while it streams in,
 * checked against the digest it claims, flushed, and only then renamed into place: a blob in
 * blobs/ always has the content its name says, a killed writer leaves at most a temp file (removed
 * by cleanIngest), and two processes writing the same blob at once both rename identical content.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { FileLock } from "../../../lib/store/index.ts";
import { checkDigest, hexOf, sha256Digest } from "./digest.ts";

export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, detail?: string) {
    super(`content ${actual} does not match the expected digest ${expected}${detail ? ` (${detail})` : ""}`);
    this.name = "DigestMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

export class BlobNotFoundError extends Error {
  readonly digest: string;
  constructor(digest: string, options?: { cause?: unknown }) {
    super(`blob ${digest} is not in the content store`, options);
    this.name = "BlobNotFoundError";
    this.digest = digest;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

export class ContentStore {
  readonly root: string;
  readonly blobDir: string;
  readonly ingestDir: string;

  constructor(root: string) {
    this.root = root;
    this.blobDir = `${root}/content/blobs/sha256`;
    this.ingestDir = `${root}/content/ingest`;
  }

  /** The file of a blob (which may not exist); throws naming the digest if it is malformed. */
  path(digest: string): string {
    return `${this.blobDir}/${hexOf(checkDigest(digest, "blob digest"))}`;
  }

  has(digest: string): boolean {
    return this.size(digest) !== undefined;
  }

  size(digest: string): number | undefined {
    return statSync(this.path(digest), { throwIfNoEntry: false })?.size;
  }

  /**
   * A lease against garbage collection: held (shared) by a writer from its first blob until the
   * image that references them is in the index, so a concurrent prune (which takes it
   * exclusively) cannot delete blobs that are about to be referenced. Release it when done.
   */
  lease(options: { exclusive?: boolean; timeoutMs?: number } = {}): FileLock {
    return FileLock.acquire(`${this.root}/content/gc.lock`, {
      shared: options.exclusive !== true,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** A fresh path in the ingest directory for a temporary file (the directory is created). */
  tempPath(label: string): string {
    mkdirSync(this.ingestDir, { recursive: true, mode: 0o700 });
    return `${this.ingestDir}/${label.replace(/[^\w.-]/g, "_")}.${process.pid}.${randomBytes(6).toString("hex")}`;
  }

  /**
   * Stream a blob in. The sha256 (and the size, when given) is verified before the blob becomes
   * visible; on a mismatch or any error nothing is left behind. Returns false, without reading
   * the source, when the blob is already stored.
   */
  async write(expected: { digest: string; size?: number }, source: AsyncIterable<Uint8Array>): Promise<boolean> {
    if (this.has(expected.digest)) return false; // also validates the digest
    const tmp = this.tempPath(hexOf(expected.digest));
    const fh = await open(tmp, "wx", 0o644);
    let closed = false;
    try {
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of source) {
        size += chunk.length;
        if (expected.size !== undefined && size > expected.size) {
          throw new DigestMismatchError(expected.digest, "(unknown)", `more than the expected ${expected.size} bytes`);
        }
        hash.update(chunk);
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== expected.digest) throw new DigestMismatchError(expected.digest, actual);
      if (expected.size !== undefined && size !== expected.size) {
        throw new DigestMismatchError(expected.digest, actual, `${size} bytes, expected ${expected.size}`);
      }
      await fh.sync();
      await fh.close();
      closed = true;
      this.commit(expected.digest, tmp);
      return true;
    } catch (err) {
      if (!closed) await fh.close().catch(() => undefined);
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** Store bytes under the digest computed here; returns "sha256:…". */
  writeBytes(bytes: Uint8Array): string {
    const digest = sha256Digest(bytes);
    if (this.has(digest)) return digest;
    const tmp = this.tempPath(hexOf(digest));
    const fd = openSync(tmp, "wx", 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    this.commit(digest, tmp);
    return digest;
  }

  /**
   * Move a finished temporary file (from tempPath, flushed, on the store's file system) into
   * place as blob `digest`. The caller vouches that `digest` is the sha256 of the file: it is
   * meant for writers that hash while they write (archive loading).
   */
  commit(digest: string, tmp: string): void {
    const target = this.path(digest);
    mkdirSync(this.blobDir, { recursive: true, mode: 0o755 });
    try {
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new Error(`cannot store blob ${digest}`, { cause: err });
    }
  }

  read(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(digest, { cause: err });
      throw err;
    }
  }

  async *stream(digest: string): AsyncIterable<Uint8Array> {
    const path = this.path(digest);
    if (!this.has(digest)) throw new BlobNotFoundError(digest);
    yield* createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  }

  delete(digest: string): void {
    try {
      unlinkSync(this.path(digest));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  list(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.blobDir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Remove temporary files older than `olderThanMs` (left by killed writers). Returns how many. */
  cleanIngest(olderThanMs = 60 * 60 * 1000): number {
    let names: string[];
    try {
      names = readdirSync(this.ingestDir);
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    const limit = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      const path = `${this.ingestDir}/${name}`;
      const st = statSync(path, { throwIfNoEntry: false });
      if (st !== undefined && st.mtimeMs < limit) {
        rmSync(path, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

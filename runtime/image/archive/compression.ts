/**
 * Streams that may be compressed: told apart by their first bytes (never by a file name), and
 * decompressed on the fly — gzip with node:zlib, zstd with fzstd.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { sniffCompression, type Compression } from "../store/media-types.ts";

/** Read a file's first bytes (enough to tell its compression). */
export async function sniffFile(path: string): Promise<Compression> {
  for await (const chunk of createReadStream(path, { start: 0, end: 3 }) as AsyncIterable<Buffer>) return sniffCompression(chunk);
  return "none";
}

async function* gunzip(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const z = createGunzip();
  pipeline(Readable.from(source), z, () => undefined); // an error destroys z, and iterating it throws
  yield* z as AsyncIterable<Buffer>;
}

async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const out: Uint8Array[] = [];
  const d = new Decompress((chunk) => {
    out.push(chunk);
  });
  for await (const chunk of source) {
    d.push(chunk);
    yield* out.splice(0);
  }
  d.push(new Uint8Array(0), true);
  yield* out.splice(0);
}

/** Pass `source` through the decompressor of `compression`. */
export function decompress(source: AsyncIterable<Uint8Array>, compression: Compression): AsyncIterable<Uint8Array> {
  return compression === "gzip" ? gunzip(source) : compression === "zstd" ? unzstd(source) : source;
}

/** Peek at the first bytes of a stream, tell its compression, and decompress it: the stream as one would read it uncompressed. */
export async function* autoDecompress(source: AsyncIterable<Uint8Array>, onSniff?: (c: Compression) => void): AsyncIterable<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 4) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    headLength += r.value.length;
  }
  const first = Buffer.concat(head);
  const compression = sniffCompression(first);
  onSniff?.(compression);
  async function* rest(): AsyncIterable<Uint8Array> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  yield* decompress(rest(), compression);
}

/** sha256 and length of everything a stream yields. */
export async function digestStream(source: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

/** The file read as a stream. */
export function fileStream(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
}

/** Write a stream to a new file (flushed), hashing it on the way. */
export async function writeHashedFile(path: string, source: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const fh = await open(path, "wx", 0o644);
  try {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
    }
    await fh.sync();
    return { digest: `sha256:${hash.digest("hex")}`, size };
  } finally {
    await fh.close();
  }
}

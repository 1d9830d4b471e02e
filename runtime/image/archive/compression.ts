/**
 * Streams that may be compressed: told apart by their first bytes (never by a file name), and
 * decompressed on the fly — gzip with node:zlib, zstd with fzstd.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { decompress as decompressLayer } from "../layers/decompress.ts";
import { sniffCompression, type Compression } from "../store/media-types.ts";

/** Read a file's first bytes (enough to tell its compression). */
export async function sniffFile(path: string): Promise<Compression> {
  for await (const chunk of createReadStream(path, { start: 0, end: 3 }) as AsyncIterable<Buffer>) return sniffCompression(chunk);
  return "none";
}

/** The stream decompressed, whatever its compression (told by its first bytes, as layers do). */
export async function* decompress(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* (await decompressLayer(source)).chunks;
}

/** Like decompress, telling `onSniff` which compression the stream had. */
export async function* autoDecompress(source: AsyncIterable<Uint8Array>, onSniff?: (c: Compression) => void): AsyncIterable<Uint8Array> {
  const d = await decompressLayer(source);
  onSniff?.(d.compression);
  yield* d.chunks;
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

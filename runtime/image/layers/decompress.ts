/**
 * Layer streams arrive compressed or not; the first bytes say which (gzip 1f 8b, zstd 28 b5 2f fd),
 * whatever the media type claims. gzip goes through node:zlib, zstd through fzstd (pure JS: the
 * same code under Node and Bun).
 */
import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

import { sniffCompression, type Compression } from "../store/media-types.ts";

export type { Compression };
/** The compression told by a stream's first bytes (the store's one rule). */
export const detectCompression = sniffCompression;

export interface Decompressed {
  compression: Compression;
  chunks: AsyncIterable<Uint8Array>;
}

/** Peek at the first bytes of `source` and return its uncompressed content as a stream. */
export async function decompress(source: AsyncIterable<Uint8Array>): Promise<Decompressed> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 4) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  const whole = async function* (): AsyncGenerator<Uint8Array> {
    try {
      if (first.length > 0) yield first;
      if (done) return;
      for (;;) {
        const next = await it.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // Stopped early (an error downstream): let the source release what it holds.
      if (!done) await it.return?.();
    }
  };
  const compression = detectCompression(first);
  if (compression === "none") return { compression, chunks: whole() };
  if (compression === "gzip") {
    const gunzip = pipeline(Readable.from(whole(), { objectMode: false }), createGunzip({ chunkSize: 128 * 1024 }), () => {});
    return { compression, chunks: gunzip };
  }
  return { compression, chunks: unzstd(whole()) };
}

async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const stream = new Decompress((chunk) => {
    out.push(chunk);
  });
  for await (const chunk of source) {
    stream.push(chunk);
    if (out.length > 0) {
      yield* out;
      out = [];
    }
  }
  stream.push(new Uint8Array(0), true);
  yield* out;
}

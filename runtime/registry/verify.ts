/**
 * Streams checked against their descriptor while they flow: more bytes than announced stop the
 * stream at once, and a wrong size or digest throws from the iteration *before* it ends, so a
 * sink that commits only after reading the end (the content store does) never stores them.
 */
import { createHash } from "node:crypto";
import { DigestMismatchError } from "./errors.ts";

export interface BlobRef {
  digest: string;
  size: number;
}

export class VerifyingStream implements AsyncIterable<Uint8Array> {
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #expected: BlobRef;
  readonly #what: string;
  readonly #onChunk: ((bytes: number) => void) | undefined;
  /** True once the whole stream was read and matched. */
  verified = false;

  constructor(source: AsyncIterable<Uint8Array>, expected: BlobRef, what: string, onChunk?: (bytes: number) => void) {
    this.#source = source;
    this.#expected = expected;
    this.#what = what;
    this.#onChunk = onChunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const hash = createHash("sha256");
    let size = 0;
    const { digest, size: expectedSize } = this.#expected;
    for await (const chunk of this.#source) {
      size += chunk.length;
      if (size > expectedSize) throw new DigestMismatchError(this.#what, digest, `more than the ${expectedSize} bytes announced`);
      hash.update(chunk);
      this.#onChunk?.(chunk.length);
      yield chunk;
    }
    if (size !== expectedSize) throw new DigestMismatchError(this.#what, digest, `${size} bytes instead of ${expectedSize}`);
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== digest) throw new DigestMismatchError(this.#what, digest, actual);
    this.verified = true;
  }
}

/** One buffer as an async iterable (a manifest handed to a sink). */
export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Writing a tar stream entry by entry (tar-stream's pack) into a sink, with back-pressure:
 * each file streams in before the next one starts. Timestamps are fixed (the epoch) so that
 * saving the same images twice gives the same bytes.
 */
import { Readable, pipeline, type Writable } from "node:stream";
import { pack, type Pack } from "tar-stream";

const MTIME = new Date(0);

export class TarWriter {
  readonly #pack: Pack;
  readonly #done: Promise<void>;

  constructor(sink: Writable) {
    this.#pack = pack();
    this.#done = new Promise((resolve, reject) => pipeline(this.#pack, sink, (err) => (err ? reject(err) : resolve())));
    this.#done.catch(() => undefined); // observed by finish()
  }

  directory(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pack.entry({ name, type: "directory", mode: 0o755, mtime: MTIME }, (err) => (err ? reject(err) : resolve()));
    });
  }

  bytes(name: string, data: Uint8Array | string): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return new Promise((resolve, reject) => {
      this.#pack.entry({ name, type: "file", mode: 0o644, mtime: MTIME, size: buf.length }, buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A file of exactly `size` bytes streamed from `source`. */
  file(name: string, size: number, source: AsyncIterable<Uint8Array>): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = this.#pack.entry({ name, type: "file", mode: 0o644, mtime: MTIME, size }, (err) => (err ? reject(err) : resolve()));
      pipeline(Readable.from(source), entry, (err) => {
        if (err) reject(err);
      });
    });
  }

  /** Finish the archive and wait until the sink has all of it. */
  async finish(): Promise<void> {
    this.#pack.finalize();
    await this.#done;
  }

  /** Abandon the archive (the sink is destroyed). */
  abort(err: Error): void {
    this.#pack.destroy(err);
  }
}

/**
 * What travels over a container's attach socket (`<containerDir>/attach.sock`).
 *
 * Monitor → client: the container's output from the moment the client connected. With a
 * terminal (-t) the raw bytes; without one, docker's stdcopy framing, so the client can tell
 * stdout from stderr: an 8-byte header [stream (1 stdout, 2 stderr), 0, 0, 0, length as a
 * big-endian u32] then that many bytes.
 *
 * Client → monitor: the same header shape, so one decoder serves both ways: stream 0 carries
 * bytes for the container's stdin (docker's stdin stream number), RESIZE a window size (rows then
 * columns, big-endian u16 each) to give the container's terminal. A client leaving is not an
 * end of input: the container's stdin stays open for the next one.
 */
import type { WindowSize } from "../../native/pty.ts";

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
/** Client → monitor: a 4-byte window size. Outside docker's 0-3 so no stdcopy reader mistakes it. */
export const RESIZE = 0x10;

export type Stream = typeof STDIN | typeof STDOUT | typeof STDERR | typeof RESIZE;

export interface Frame {
  stream: Stream;
  data: Buffer;
}

const HEADER = 8;
/** The largest frame a decoder accepts: more is a peer speaking another protocol, not a big write. */
export const MAX_FRAME = 1 << 20;

/** One frame: header and payload in one buffer (one write, so frames never interleave). */
export function encodeFrame(stream: Stream, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + data.length);
  out.writeUInt32BE(0, 0);
  out[0] = stream;
  out.writeUInt32BE(data.length, 4);
  out.set(data, HEADER);
  return out;
}

export function encodeResize(size: WindowSize): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(clampU16(size.rows), 0);
  payload.writeUInt16BE(clampU16(size.cols), 2);
  return encodeFrame(RESIZE, payload);
}

export function decodeResize(payload: Uint8Array): WindowSize {
  if (payload.length !== 4) throw new Error(`attach protocol: a resize message carries 4 bytes, got ${payload.length}`);
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return { rows: b.readUInt16BE(0), cols: b.readUInt16BE(2) };
}

function clampU16(n: number): number {
  return Math.max(0, Math.min(0xffff, Math.floor(n)));
}

/**
 * Splits a byte stream into frames, whatever the chunking. `accepted` lists the stream numbers
 * this side may receive; anything else (or an oversized length) is an error naming what came.
 */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  readonly #accepted: readonly number[];

  constructor(accepted: readonly Stream[]) {
    this.#accepted = accepted;
  }

  push(chunk: Uint8Array): Frame[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    while (this.#pending.length >= HEADER) {
      const stream = this.#pending[0] as number;
      if (!this.#accepted.includes(stream) || this.#pending[1] !== 0 || this.#pending[2] !== 0 || this.#pending[3] !== 0) {
        throw new Error(`attach protocol: unexpected frame header ${this.#pending.subarray(0, HEADER).toString("hex")} (stream ${stream})`);
      }
      const length = this.#pending.readUInt32BE(4);
      if (length > MAX_FRAME) throw new Error(`attach protocol: a frame of ${length} bytes on stream ${stream} is over the ${MAX_FRAME}-byte limit`);
      if (this.#pending.length < HEADER + length) break;
      frames.push({ stream: stream as Stream, data: Buffer.from(this.#pending.subarray(HEADER, HEADER + length)) });
      this.#pending = this.#pending.subarray(HEADER + length);
    }
    return frames;
  }

  /** Bytes of an unfinished frame (a stream that ends with some is truncated). */
  get buffered(): number {
    return this.#pending.length;
  }
}

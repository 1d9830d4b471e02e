/**
 * The monitor's side of `berth attach`: a unix socket (mode 0600) that hands every connected
 * client the container's output from then on (see attach-protocol.ts) and passes what clients
 * send to the container's stdin or terminal size. Clients come and go; the container's stdin
 * stays open. close() ends every client after the output already queued for it.
 */
import { chmodSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { WindowSize } from "../../native/pty.ts";
import { decodeResize, encodeFrame, FrameDecoder, RESIZE, STDIN, type Stream } from "./attach-protocol.ts";
import { withSocketAddress } from "./attach-socket.ts";

export interface AttachHandlers {
  /** With a terminal, output goes out raw; without, in stdcopy frames. */
  tty: boolean;
  /** Bytes for the container's stdin; absent when it has none (no -i): clients' input is dropped. */
  input?: (data: Buffer) => void;
  /** A client's terminal size, for the container's terminal. */
  resize?: (size: WindowSize) => void;
}

/** Output a client has not read yet, past which it is dropped: a stalled client must not hold the monitor's memory. */
const MAX_BACKLOG = 8 << 20;
/** How long close() waits for clients to take their last output. */
const CLOSE_GRACE_MS = 5000;

export class AttachServer {
  readonly path: string;
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  readonly #handlers: AttachHandlers;

  private constructor(path: string, server: Server, handlers: AttachHandlers) {
    this.path = path;
    this.#server = server;
    this.#handlers = handlers;
    server.on("connection", (socket) => this.#accept(socket));
  }

  /** Listen on `path` (a stale socket file from an earlier run is replaced). */
  static async listen(path: string, handlers: AttachHandlers): Promise<AttachServer> {
    rmSync(path, { force: true });
    const server = createServer();
    try {
      await withSocketAddress(path, (address) => new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(address, () => {
          server.off("error", reject);
          resolve();
        });
      }));
      chmodSync(path, 0o600);
    } catch (err) {
      server.close();
      throw new Error(`cannot listen on attach socket ${path}`, { cause: err });
    }
    return new AttachServer(path, server, handlers);
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Container output to every client connected now. */
  broadcast(stream: Stream, data: Buffer): void {
    if (this.#clients.size === 0 || data.length === 0) return;
    const wire = this.#handlers.tty ? data : encodeFrame(stream, data);
    for (const c of this.#clients) {
      if (c.writableLength > MAX_BACKLOG) c.destroy();
      else c.write(wire);
    }
  }

  /** Stop accepting; end every client once its queued output is written (destroyed after a grace period). */
  async close(): Promise<void> {
    this.#server.close();
    rmSync(this.path, { force: true });
    const open = [...this.#clients];
    await Promise.all(
      open.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => c.destroy(), CLOSE_GRACE_MS);
            c.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            c.end();
          }),
      ),
    );
  }

  #accept(socket: Socket): void {
    this.#clients.add(socket);
    const decoder = new FrameDecoder([STDIN, RESIZE]);
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.stream === STDIN) this.#handlers.input?.(f.data);
          else this.#handlers.resize?.(decodeResize(f.data));
        }
      } catch {
        socket.destroy(); // not our protocol: this client goes, the others stay
      }
    });
    // A client that vanishes (killed, detached) is just forgotten.
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.#clients.delete(socket));
  }
}

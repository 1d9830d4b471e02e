/**
 * The client's side of `berth attach`: connects to a container's attach socket, copies the
 * container's output to local stdout (and stderr, told apart by the stdcopy frames when the
 * container has no terminal), local input to the container until the detach keys are typed, and
 * the local terminal's size whenever it changes. Input ending is not the end: the output goes on
 * until the monitor closes the connection (the container ended) or the client detaches.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { WindowSize } from "../../native/pty.ts";
import { DetachScanner } from "./attach-keys.ts";
import { encodeFrame, encodeResize, FrameDecoder, STDERR, STDIN, STDOUT } from "./attach-protocol.ts";
import { withSocketAddress } from "./attach-socket.ts";
import type { ExitReport } from "./attach-stdio.ts";

export interface AttachClientOptions {
  /** The container has a terminal: its output is raw bytes, not frames. */
  tty: boolean;
  /** Local input for the container's stdin; absent with --no-stdin or a container without -i. */
  input?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** parseDetachKeys()'s bytes; empty: no detaching. */
  detachKeys: Uint8Array;
  /** The local terminal's size now, and a way to hear of changes (returns an unsubscribe). */
  terminal?: { size: () => WindowSize | undefined; onResize: (listener: () => void) => () => void };
}

/** How an attachment ended: detached by the keys, or the connection ended (the container exited, or its monitor died). */
export type AttachEnd = { how: "detached" } | { how: "closed"; error?: Error };

/** Connects, or throws naming the socket (ECONNREFUSED: the monitor is gone). */
export async function connectAttach(socketPath: string): Promise<Socket> {
  try {
    return await withSocketAddress(socketPath, (address) => new Promise<Socket>((resolve, reject) => {
      const s = connect(address);
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(s);
      });
    }));
  } catch (err) {
    throw new Error(`cannot connect to attach socket ${socketPath}`, { cause: err });
  }
}

/** Runs one attachment on a connected socket until it ends. */
export function runAttach(socket: Socket, o: AttachClientOptions): Promise<AttachEnd> {
  return new Promise((resolve) => {
    const cleanups: (() => void)[] = [];
    let error: Error | undefined;
    let done = false;
    const finish = (end: AttachEnd) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      resolve(end);
    };

    const decoder = o.tty ? undefined : new FrameDecoder([STDOUT, STDERR]);
    socket.on("data", (chunk: Buffer) => {
      if (decoder === undefined) return void o.stdout.write(chunk);
      try {
        for (const f of decoder.push(chunk)) (f.stream === STDERR ? o.stderr : o.stdout).write(f.data);
      } catch (err) {
        error = err as Error;
        socket.destroy();
      }
    });
    socket.on("error", (err) => (error = err));
    socket.on("close", () => finish({ how: "closed", ...(error ? { error } : {}) }));

    if (o.terminal) {
      const send = () => {
        const size = o.terminal?.size();
        if (size !== undefined && !socket.destroyed) socket.write(encodeResize(size));
      };
      send();
      cleanups.push(o.terminal.onResize(send));
    }

    const input = o.input;
    if (input !== undefined) {
      const scanner = new DetachScanner(o.detachKeys);
      const onData = (chunk: Buffer | string) => {
        const { forward, detached } = scanner.scan(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        if (forward.length > 0 && !socket.destroyed) socket.write(encodeFrame(STDIN, forward));
        if (detached) {
          socket.destroy();
          finish({ how: "detached" });
        }
      };
      // Input ended: what was held back as a possible detach is the container's; the connection stays.
      const onEnd = () => {
        const rest = scanner.flush();
        if (rest.length > 0 && !socket.destroyed) socket.write(encodeFrame(STDIN, rest));
      };
      input.on("data", onData);
      input.on("end", onEnd);
      cleanups.push(() => {
        input.off("data", onData);
        input.off("end", onEnd);
        input.pause();
      });
    }
  });
}

/**
 * The monitor's exit-status file (attach-socket.ts), opened while the container runs so that it
 * can still be read once --rm has removed the container. read() is undefined until written.
 */
export function openExitReport(path: string): { read(): ExitReport | undefined; close(): void } {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
  } catch {
    // A monitor that writes none: the record is all there is.
  }
  return {
    read() {
      if (fd === undefined) return undefined;
      const buf = Buffer.alloc(256);
      const n = readSync(fd, buf, 0, buf.length, 0);
      try {
        const r = JSON.parse(buf.toString("utf8", 0, n)) as Partial<ExitReport>;
        return typeof r.exitCode === "number" ? { exitCode: r.exitCode, oomKilled: r.oomKilled === true } : undefined;
      } catch {
        return undefined; // not written: the monitor died first
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

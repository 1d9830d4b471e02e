/**
 * The stdio a detached monitor gives a container started with -i and/or -t, as conmon does:
 * - -t: a pseudo-terminal of the monitor's own. runc in the foreground with `terminal: true`
 *   wants a console on its stdio (it copies between it and the container's terminal, and on
 *   SIGWINCH copies its size over), so its stdin, stdout and stderr are the pty's slave and the
 *   monitor reads and writes the master;
 * - -i without -t: a pipe on stdin that the monitor holds open, stdout and stderr piped.
 * An attach socket (attach-server.ts) carries the output to clients and their input back.
 */
import type { ChildProcess, StdioOptions } from "node:child_process";
import { closeSync, read, rmSync, write, writeFileSync } from "node:fs";
import { openPty, setWindowSize, type Pty } from "../../native/pty.ts";
import { STDERR, STDOUT, type Stream } from "./attach-protocol.ts";
import { AttachServer } from "./attach-server.ts";
import { attachExitPath, attachSocketPath } from "./attach-socket.ts";

export interface ExitReport {
  exitCode: number;
  oomKilled: boolean;
}

export interface AttachableStdio {
  /** For spawn(): the container's stdio as runc receives it. */
  stdio: StdioOptions;
  /** After spawn: start moving bytes; `output` gets everything the container writes (for the log). */
  started(child: ChildProcess, output: (stream: Stream, data: Buffer) => void): void;
  /** Resolves once the container's output has been read to its end, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
  /** Writes the exit status where clients read it (attach-socket.ts). */
  report(status: ExitReport): void;
  /** Ends every client after its last output, closes the socket and the terminal. */
  close(): Promise<void>;
}

/** A terminal's size before any client says otherwise (a 0x0 terminal confuses full-screen programs). */
const DEFAULT_SIZE = { rows: 24, cols: 80 };

export async function attachableStdio(o: { containerDir: string; tty: boolean; interactive: boolean }): Promise<AttachableStdio> {
  // A new file each run: a client of an earlier run keeps reading its own.
  const exitFile = attachExitPath(o.containerDir);
  rmSync(exitFile, { force: true });
  writeFileSync(exitFile, "", { mode: 0o600 });
  const io = await (o.tty ? terminalStdio : pipedStdio)({ socketPath: attachSocketPath(o.containerDir), interactive: o.interactive });
  return { ...io, report: (status) => writeFileSync(exitFile, JSON.stringify(status)) };
}

type Stdio = Omit<AttachableStdio, "report">;

async function pipedStdio(o: { socketPath: string; interactive: boolean }): Promise<Stdio> {
  let child: ChildProcess | undefined;
  const server = await AttachServer.listen(o.socketPath, {
    tty: false,
    ...(o.interactive ? { input: (data: Buffer) => void child?.stdin?.write(data) } : {}),
  });
  const ends: Promise<void>[] = [];
  return {
    stdio: [o.interactive ? "pipe" : "ignore", "pipe", "pipe"],
    started(c, output) {
      child = c;
      // The container gone, a late write fails with EPIPE: nothing to tell anyone.
      c.stdin?.on("error", () => undefined);
      for (const [stream, s] of [[STDOUT, c.stdout], [STDERR, c.stderr]] as const) {
        if (s === null) continue;
        s.on("data", (d: Buffer) => {
          output(stream, d);
          server.broadcast(stream, d);
        });
        ends.push(new Promise((resolve) => s.once("close", resolve)));
      }
    },
    drained: (timeoutMs) => settle(Promise.all(ends), timeoutMs),
    async close() {
      child?.stdin?.destroy();
      await server.close();
    },
  };
}

async function terminalStdio(o: { socketPath: string; interactive: boolean }): Promise<Stdio> {
  const pty = openPty();
  let child: ChildProcess | undefined;
  let server: AttachServer;
  try {
    setWindowSize(pty.master, DEFAULT_SIZE);
    const writer = masterWriter(pty);
    server = await AttachServer.listen(o.socketPath, {
      tty: true,
      ...(o.interactive ? { input: writer } : {}),
      resize(size) {
        setWindowSize(pty.master, size);
        // runc copies its console's size into the container's terminal on SIGWINCH.
        child?.kill("SIGWINCH");
      },
    });
  } catch (err) {
    closeQuietly(pty.slave);
    closeQuietly(pty.master);
    throw err;
  }
  let ended: Promise<void> = Promise.resolve();
  // Each fd closed once: a second close could hit an fd number reused meanwhile.
  const closeSlave = once(() => closeQuietly(pty.slave));
  const closeMaster = once(() => closeQuietly(pty.master));
  return {
    stdio: [pty.slave, pty.slave, pty.slave],
    started(c, output) {
      child = c;
      // runc has its copies: once they close, reading the master ends with EIO.
      closeSlave();
      ended = readMaster(pty.master, (d) => {
        output(STDOUT, d);
        server.broadcast(STDOUT, d);
      });
    },
    drained: (timeoutMs) => settle(ended, timeoutMs),
    async close() {
      await server.close();
      closeSlave(); // when runc never started
      closeMaster();
    },
  };
}

/** Reads the pty master until the last slave closes (EIO) or it fails otherwise. */
function readMaster(fd: number, output: (d: Buffer) => void): Promise<void> {
  return new Promise((resolve) => {
    const next = () => {
      const buf = Buffer.allocUnsafe(16 * 1024);
      read(fd, buf, 0, buf.length, null, (err, n) => {
        if (err !== null || n === 0) return resolve();
        output(buf.subarray(0, n));
        next();
      });
    };
    next();
  });
}

/** Writes to the pty master in order, each write finished before the next starts (partial writes continued). */
function masterWriter(pty: Pty): (data: Buffer) => void {
  let queue = Promise.resolve();
  const writeAll = (data: Buffer): Promise<void> =>
    new Promise((resolve) => {
      write(pty.master, data, 0, data.length, null, (err, n) => {
        if (err !== null || n >= data.length) return resolve();
        resolve(writeAll(data.subarray(n)));
      });
    });
  return (data) => {
    queue = queue.then(() => writeAll(data));
  };
}

function settle(p: Promise<unknown>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) fn();
    done = true;
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * The attach socket without a container: the monitor's server and `berth attach`'s client over a
 * real unix socket, at a path short enough for a socket address and at one too long for it.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { WindowSize } from "../../native/pty.ts";
import { connectAttach, runAttach } from "../../runtime/container/attach-client.ts";
import { parseDetachKeys } from "../../runtime/container/attach-keys.ts";
import { STDERR, STDOUT } from "../../runtime/container/attach-protocol.ts";
import { AttachServer } from "../../runtime/container/attach-server.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketPath(long: boolean): string {
  const base = mkdtempSync(`${tmpdir()}/berth-test-attach-`);
  dirs.push(base);
  const dir = long ? `${base}/${"c".repeat(100)}` : base;
  mkdirSync(dir, { recursive: true });
  return `${dir}/attach.sock`;
}

function sink() {
  const s = new PassThrough();
  let text = "";
  s.on("data", (d: Buffer) => (text += d.toString()));
  return { stream: s, text: () => text };
}

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; !ok(); i++) {
    if (i > 250) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("the attach socket", () => {
  for (const long of [false, true]) {
    it(`carries output (stdout and stderr apart), input and window sizes at a ${long ? "too-long" : "short"} path; close ends the client after the last output`, async () => {
      const path = socketPath(long);
      expect(Buffer.byteLength(path) > 107).toBe(long);
      const input: string[] = [];
      const sizes: WindowSize[] = [];
      const server = await AttachServer.listen(path, { tty: false, input: (d) => input.push(d.toString()), resize: (s) => sizes.push(s) });
      expect(statSync(path).mode & 0o777).toBe(0o600);

      const keyboard = new PassThrough();
      const out = sink();
      const err = sink();
      let resize = () => undefined as void;
      const ended = runAttach(await connectAttach(path), {
        tty: false,
        input: keyboard,
        stdout: out.stream,
        stderr: err.stream,
        detachKeys: parseDetachKeys("ctrl-p,ctrl-q"),
        terminal: { size: () => ({ rows: 30, cols: 100 }), onResize: (l) => ((resize = l), () => undefined) },
      });
      await until(() => server.clients === 1, "the client");
      keyboard.write("echo hi\n");
      await until(() => input.join("") === "echo hi\n", "the input");
      expect(sizes).toEqual([{ rows: 30, cols: 100 }]);
      resize();
      await until(() => sizes.length === 2, "the second size");

      server.broadcast(STDOUT, Buffer.from("to-out\n"));
      server.broadcast(STDERR, Buffer.from("to-err\n"));
      keyboard.end(); // input ending is not the end of the attachment
      server.broadcast(STDOUT, Buffer.from("last\n"));
      await server.close();
      expect(await ended).toEqual({ how: "closed" });
      expect(out.text()).toBe("to-out\nlast\n");
      expect(err.text()).toBe("to-err\n");
      expect(existsSync(path)).toBe(false);
    });
  }

  it("a client that types the detach keys leaves; the keys never reach the container, the others stay", async () => {
    const path = socketPath(false);
    const input: string[] = [];
    const server = await AttachServer.listen(path, { tty: true, input: (d) => input.push(d.toString()) });
    const keyboard = new PassThrough();
    const watcher = sink();
    const watching = runAttach(await connectAttach(path), { tty: true, stdout: watcher.stream, stderr: new PassThrough(), detachKeys: new Uint8Array(0) });
    const typing = runAttach(await connectAttach(path), { tty: true, input: keyboard, stdout: new PassThrough(), stderr: new PassThrough(), detachKeys: parseDetachKeys("ctrl-a,x") });
    await until(() => server.clients === 2, "both clients");
    keyboard.write("ls\x01");
    keyboard.write("x");
    expect(await typing).toEqual({ how: "detached" });
    await until(() => server.clients === 1, "the detached client to be gone");
    expect(input.join("")).toBe("ls");
    // Terminal output is passed raw, not framed.
    server.broadcast(STDOUT, Buffer.from("\x1b[Jstill here\r\n"));
    await server.close();
    expect(await watching).toEqual({ how: "closed" });
    expect(watcher.text()).toBe("\x1b[Jstill here\r\n");
  });

  it("drops a client that does not speak the protocol, keeping the others", async () => {
    const path = socketPath(false);
    const server = await AttachServer.listen(path, { tty: false });
    const bad = await connectAttach(path);
    const gone = new Promise((r) => bad.on("close", r));
    bad.write("GET / HTTP/1.1\r\n\r\n");
    await gone;
    await until(() => server.clients === 0, "the bad client to be dropped");
    await server.close();
  });

  it("names the socket when nothing listens there", async () => {
    const path = socketPath(false);
    await expect(connectAttach(path)).rejects.toThrowError(`cannot connect to attach socket ${path}`);
  });
});

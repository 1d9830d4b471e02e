/**
 * `berth run -di` / `-dit` and `berth attach`, docker's way, with the built binary in a simulated
 * host: the detached monitor keeps the container's stdin open (or gives it a terminal), clients
 * come and go over its attach socket, detach keys leave the container running, and attach exits
 * with the container's exit code. A terminal client runs under util-linux `script`, which gives
 * it a pseudo-terminal of its own (sized with stty, as a user's window would be).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BerthHost, DIST } from "../harness/index.ts";

let b: BerthHost;
beforeAll(() => {
  b = new BerthHost();
  b.importBusybox("busybox:latest", ['CMD ["sh"]']);
});
afterAll(() => b?.destroy());

const env = () => ({ ...process.env, BERTH_CNI_PATH: `${DIST}/cni` });
const berthWords = (args: string[]) => ["nsenter", `--net=${b.host.path}`, "--", `${DIST}/berth`, "--root", b.root, ...args];

/** A berth process left running, its output collected, with its exit awaited by `exited`. */
class Running {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => (this.stdout += d.toString("utf8")));
    child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString("utf8")));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  /** `berth attach ARGS` with piped stdio (no terminal). */
  static attach(args: string[]): Running {
    const [cmd, ...rest] = berthWords(["attach", ...args]);
    return new Running(spawn(cmd as string, rest, { env: env(), stdio: ["pipe", "pipe", "pipe"] }));
  }

  /** `berth attach ARGS` on a rows x cols terminal of its own (script -e returns attach's exit code). */
  static attachOnTerminal(args: string[], rows = 30, cols = 100): Running {
    const inner = `stty rows ${rows} cols ${cols}; exec ${berthWords(["attach", ...args]).join(" ")}`;
    return new Running(spawn("script", ["-qefc", inner, "/dev/null"], { env: env(), stdio: ["pipe", "pipe", "pipe"] }));
  }

  /** Resize the terminal `script` gave its child, as a user resizing the window: the kernel sends that child SIGWINCH. */
  resizeTerminal(rows: number, cols: number): void {
    const children = readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/children`, "utf8").trim().split(" ");
    const tty = readlinkSync(`/proc/${children[0]}/fd/0`);
    execFileSync("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)]);
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in the output within ${timeoutMs} ms; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The exit code, failing the test (and killing the process) after `timeoutMs`. */
  async exitCode(timeoutMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(new Error(`still running after ${timeoutMs} ms; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Inspected {
  State: { Status: string; Running: boolean; ExitCode: number };
  Config: { Tty: boolean; OpenStdin: boolean };
}
const inspect = (name: string) => (JSON.parse(b.ok(["inspect", name])) as Inspected[])[0] as Inspected;

function shimPid(name: string): number {
  const id = (JSON.parse(b.ok(["inspect", name])) as { Id: string }[])[0]!.Id;
  const rec = JSON.parse(readFileSync(`${b.root}/containers/${id}/container.json`, "utf8")) as { state: { shimPid?: number } };
  if (rec.state.shimPid === undefined) throw new Error(`container ${name} has no monitor`);
  return rec.state.shimPid;
}

describe("berth run -di and attach without a terminal", () => {
  it("keeps stdin open for attach: its input runs, its output comes back, attach exits with the container's code", () => {
    b.ok(["run", "-di", "--name", "a", "busybox", "sh"]);
    expect(inspect("a").State.Running).toBe(true); // sh waits for input instead of exiting
    expect(inspect("a").Config).toMatchObject({ Tty: false, OpenStdin: true });
    const out = b.berth(["attach", "a"], "echo hi; exit 7\n");
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("hi\n");
    expect(out.status).toBe(7);
    expect(inspect("a").State).toMatchObject({ Status: "exited", ExitCode: 7 });
    expect(b.ok(["logs", "a"])).toBe("hi\n");
    b.ok(["rm", "a"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("delivers the container's stdout and stderr apart", () => {
    b.ok(["run", "-di", "--name", "s", "busybox", "sh"]);
    const out = b.berth(["attach", "s"], "echo to-out; echo to-err >&2; echo more-out; exit 0\n");
    expect(out.status).toBe(0);
    expect(out.stdout).toBe("to-out\nmore-out\n");
    expect(out.stderr).toBe("to-err\n");
    b.ok(["rm", "s"]);
  });

  it("a client that detaches leaves the container and its stdin to the next one; start brings the shim back", async () => {
    b.ok(["run", "-di", "--name", "d", "busybox", "sh"]);
    const first = Running.attach(["d"]);
    first.type("echo one\n");
    await first.waitFor(/^one\n$/);
    first.type("\x10\x11"); // ctrl-p ctrl-q
    expect(await first.exitCode()).toBe(0);
    expect(first.stdout).toBe("one\n"); // nothing more printed on detach
    expect(inspect("d").State.Running).toBe(true);
    const second = b.berth(["attach", "--detach-keys", "ctrl-a,x", "d"], "echo two; exit 3\n");
    expect([second.status, second.stdout]).toEqual([3, "two\n"]);
    // start runs a new monitor with stdin open again.
    b.ok(["start", "d"]);
    expect(inspect("d").State.Running).toBe(true);
    const third = b.berth(["attach", "d"], "echo back; exit 4\n");
    expect([third.status, third.stdout]).toEqual([4, "back\n"]);
    b.ok(["rm", "d"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("-d -i --rm is accepted: attach gets the exit code, then nothing is left", () => {
    b.ok(["run", "-di", "--rm", "--name", "r", "busybox", "sh"]);
    const out = b.berth(["attach", "r"], "echo bye; exit 6\n");
    expect([out.status, out.stdout]).toEqual([6, "bye\n"]);
    expect(b.berth(["ps", "-a", "-q"]).stdout.trim()).toBe("");
    expect(b.leftovers()).toEqual([]);
  });

  it("refuses, in one line naming the container and the fix, what cannot be attached", () => {
    b.ok(["run", "-d", "--name", "plain", "busybox", "sleep", "60"]);
    const plain = b.berth(["attach", "plain"]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toBe("berth attach: container plain was not started with -i or -t: there is nothing to attach to, see 'berth logs plain'\n");
    b.ok(["rm", "-f", "plain"]);
    b.ok(["run", "--name", "done", "busybox", "true"]);
    const done = b.berth(["attach", "done"]);
    expect(done.stderr).toBe("berth attach: container done is not running: start it first (berth start done)\n");
    b.ok(["rm", "done"]);
    const keys = b.berth(["attach", "--detach-keys", "ctrl-1", "nosuch"]);
    expect(keys.status).toBe(125);
    expect(keys.stderr).toMatch(/^berth attach: invalid detach keys "ctrl-1": .*ctrl-p,ctrl-q/);
    expect(b.leftovers()).toEqual([]);
  });

  it("a client whose monitor is killed ends with an error instead of hanging; rm -f leaves nothing", async () => {
    b.ok(["run", "-di", "--name", "k", "busybox", "sh"]);
    const client = Running.attach(["k"]);
    client.type("echo ready\n");
    await client.waitFor(/ready\n/);
    process.kill(shimPid("k"), "SIGKILL");
    expect(await client.exitCode()).toBe(1);
    expect(client.stderr).toMatch(/^berth attach: lost container k: its monitor \(berth shim, pid \d+\) died while attached.*berth rm -f k/);
    b.ok(["rm", "-f", "k"]);
    expect(b.leftovers()).toEqual([]);
  });
});

describe("berth run -dit and attach on a terminal", () => {
  it("runs typed commands, takes the client's window size and its changes, detaches with ctrl-p ctrl-q and attaches again", async () => {
    b.ok(["run", "-dit", "--name", "t", "busybox", "sh"]);
    expect(inspect("t").Config).toMatchObject({ Tty: true, OpenStdin: true });
    const first = Running.attachOnTerminal(["t"], 30, 100);
    first.type("echo $((6*7))\r");
    await first.waitFor(/\r\n42\r\n/);
    first.type("stty size\r");
    await first.waitFor(/\r\n30 100\r\n/);
    first.type("\x10\x11");
    expect(await first.exitCode()).toBe(0);
    expect(inspect("t").State.Running).toBe(true);

    const second = Running.attachOnTerminal(["t"], 40, 132);
    second.type("echo again; stty size\r");
    await second.waitFor(/\r\nagain\r\n40 132\r\n/);
    second.resizeTerminal(50, 60);
    // SIGWINCH → attach → monitor → runc → the container's terminal: asked until it arrives.
    for (let i = 0; ; i++) {
      second.type("stty size\r");
      try {
        await second.waitFor(/\r\n50 60\r\n/, 500);
        break;
      } catch (err) {
        if (i === 10) throw err;
      }
    }
    second.type("exit 5\r");
    expect(await second.exitCode()).toBe(5);
    expect(inspect("t").State).toMatchObject({ Status: "exited", ExitCode: 5 });
    b.ok(["rm", "-f", "t"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("a terminal client whose monitor is killed ends with an error; rm -f leaves nothing", async () => {
    b.ok(["run", "-dit", "--name", "tk", "busybox", "sh"]);
    const client = Running.attachOnTerminal(["tk"]);
    client.type("echo ready\r");
    await client.waitFor(/\r\nready\r\n/);
    process.kill(shimPid("tk"), "SIGKILL");
    expect(await client.exitCode()).toBe(1);
    expect(client.stdout).toMatch(/lost container tk/); // script carries stderr on its terminal
    b.ok(["rm", "-f", "tk"]);
    expect(b.leftovers()).toEqual([]);
  });
});

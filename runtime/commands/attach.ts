/**
 * `berth attach [--detach-keys KEYS] [--no-stdin] CONTAINER`: this terminal joined to a running
 * container started with -i and/or -t (through its monitor's attach socket, see
 * container/attach-*.ts). On a terminal it goes raw and tells the container its size, at once and
 * on every resize. The detach keys (ctrl-p ctrl-q) leave the container running and exit 0; when
 * the container ends, attach exits with its exit code, read from its record.
 */
import type { CommandModule } from "../cli/types.ts";
import { alive } from "../container/lifecycle.ts";
import type { ContainerRecord } from "../container/store.ts";
import { outcome, UsageError, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";

interface AttachArgs extends GlobalArgs {
  container: string;
  "detach-keys": string;
  "no-stdin": boolean;
}

export const attachCommand: CommandModule<GlobalArgs, AttachArgs> = {
  command: "attach <container>",
  describe: "attach this terminal to a running container started with -i or -t",
  builder: (y) =>
    y
      .option("detach-keys", { type: "string", default: "ctrl-p,ctrl-q", describe: 'keys that detach and leave the container running, e.g. "ctrl-a,x" ("" for none)' })
      .option("no-stdin", { type: "boolean", default: false, describe: "do not send this terminal's input" }) as never,
  handler: async (argv) => {
    const { parseDetachKeys } = await import("../container/attach-keys.ts");
    let detachKeys: Uint8Array;
    try {
      detachKeys = parseDetachKeys(argv["detach-keys"]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { rt } = await openRuntime(argv);
    const name = argv.container;
    const rec = rt.containers.get(name);
    if (rec.state.status !== "running") throw new Error(`container ${name} is not running: start it first (berth start ${name})`);
    if (!rec.config.interactive && !rec.config.tty) throw new Error(`container ${name} was not started with -i or -t: there is nothing to attach to, see 'berth logs ${name}'`);

    const { attachExitPath, attachSocketPath } = await import("../container/attach-socket.ts");
    const { connectAttach, openExitReport, runAttach } = await import("../container/attach-client.ts");
    const dir = rt.containers.path(rec.id);
    let socket;
    try {
      socket = await connectAttach(attachSocketPath(dir));
    } catch (err) {
      throw new Error(`cannot attach to container ${name}: its monitor does not answer (${causeOf(err)}): see 'berth ps -a', or 'berth rm -f ${name}'`, { cause: err });
    }
    const exitReport = openExitReport(attachExitPath(dir));

    const sendInput = rec.config.interactive && !argv["no-stdin"];
    const terminal = rec.config.tty ? await localTerminal() : undefined;
    // Keys go to the container as typed (ctrl-c included); its terminal does the echoing.
    const { makeRaw } = await import("../../native/pty.ts");
    const restore = sendInput && rec.config.tty && process.stdin.isTTY === true ? makeRaw(0) : undefined;
    let end;
    try {
      end = await runAttach(socket, {
        tty: rec.config.tty,
        ...(sendInput ? { input: process.stdin } : {}),
        stdout: process.stdout,
        stderr: process.stderr,
        detachKeys,
        ...(terminal ? { terminal } : {}),
      });
    } finally {
      restore?.();
      // Stop reading: a terminal or pipe still open would keep this process alive.
      if (sendInput) process.stdin.destroy();
    }
    if (end.how === "detached") return exitReport.close();
    const reported = exitReport.read();
    exitReport.close();
    outcome.exitCode = await exitCode(() => rt.containers.read(rec.id), name, reported?.exitCode, end.error);
  },
};

/** The local terminal (stdout's, else stdin's) and its SIGWINCH, when this process has one. */
async function localTerminal() {
  const { windowSize } = await import("../../native/pty.ts");
  const fd = process.stdout.isTTY ? 1 : process.stdin.isTTY ? 0 : undefined;
  if (fd === undefined) return undefined;
  return {
    size: () => {
      try {
        return windowSize(fd);
      } catch {
        return undefined;
      }
    },
    onResize: (listener: () => void) => {
      process.on("SIGWINCH", listener);
      return () => void process.off("SIGWINCH", listener);
    },
  };
}

const RECORD_WAIT_MS = 3000;

/**
 * The connection ended. The monitor wrote the exit code (`reported`) before ending it, and
 * records it in the container's record right after: attach returns once the record says
 * "exited" (or is gone, with --rm), so `inspect` after it shows the end. No reported code and a
 * dead monitor: the container's fate is unknown, an error.
 */
export async function exitCode(read: () => ContainerRecord | undefined, name: string, reported: number | undefined, error?: Error): Promise<number> {
  const deadline = Date.now() + RECORD_WAIT_MS;
  const why = error ? ` (${error.message})` : "";
  for (;;) {
    const r = read();
    if (r === undefined) {
      if (reported !== undefined) return reported;
      throw new Error(`container ${name} ended and was removed before its exit code could be read`);
    }
    if (r.state.status === "exited") return r.state.exitCode ?? reported ?? 0;
    const shim = r.state.shimPid;
    if (reported === undefined && (shim === undefined || !alive(shim))) {
      throw new Error(`lost container ${name}: its monitor${shim === undefined ? "" : ` (berth shim, pid ${shim})`} died while attached${why}; the container may still run: see 'berth ps -a', remove it with 'berth rm -f ${name}'`);
    }
    if (Date.now() > deadline) {
      if (reported !== undefined) return reported;
      throw new Error(`container ${name}: the connection to its monitor ended${why} while the container still runs: attach again, or see 'berth logs ${name}'`);
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause as { code?: string }).code ?? (cause instanceof Error ? cause.message : String(cause));
}

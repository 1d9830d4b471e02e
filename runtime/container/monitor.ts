/**
 * The per-container monitor (docker's shim, Podman's conmon): runs `runc run --keep` as its
 * child, owns the container's stdio, writes docker's json-file log, records the pid once runc
 * has started the process and the exit status (and whether the memory cgroup OOM-killed it)
 * when it ends, then removes runc's state (and the cgroups) itself. `berth run` in the foreground is a monitor itself;
 * `berth run -d` starts one as a detached `berth shim ID` process. A detached monitor of a
 * container with -i or -t owns its stdin or terminal and serves `berth attach` (attach-stdio.ts).
 */
import { spawn, type StdioOptions } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { mark } from "../trace.ts";
import { STDERR, STDOUT, type Stream } from "./attach-protocol.ts";
import type { Runc } from "./runc.ts";

export interface MonitorOptions {
  id: string;
  containerDir: string;
  runc: Runc;
  /** Foreground: copy the container's output here too, and give it our stdin with -i. */
  tee?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  interactive: boolean;
  tty: boolean;
  /** The container's cgroups path (as in the OCI spec), for OOM detection in v1 or v2. */
  cgroupsPath?: string;
  onStart: (pid: number) => void;
}

export interface ExitStatus {
  exitCode: number;
  oomKilled: boolean;
}

export const logPath = (containerDir: string, id: string) => `${containerDir}/${id}-json.log`;

/** One json-file log line per line of output, as docker's json-file driver writes. */
function logger(file: string, stream: "stdout" | "stderr") {
  let pending = "";
  const write = (text: string) => appendFileSync(file, `${JSON.stringify({ log: text, stream, time: new Date().toISOString() })}\n`);
  return {
    data(chunk: Buffer) {
      pending += chunk.toString("utf8");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        write(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    },
    end() {
      if (pending !== "") write(pending);
      pending = "";
    },
  };
}

/** OOM kills counted by the container's memory cgroup: v1 (memory.oom_control) or v2 (memory.events). */
function oomKills(cgroupsPath: string | undefined): number {
  if (cgroupsPath === undefined) return 0;
  const candidates = [
    [`/sys/fs/cgroup/memory${cgroupsPath}/memory.oom_control`], // v1 and hybrid
    [`/sys/fs/cgroup${cgroupsPath}/memory.events`], // pure v2
    [`/sys/fs/cgroup/unified${cgroupsPath}/memory.events`], // hybrid's v2 tree
  ];
  for (const [file] of candidates) {
    try {
      const m = /oom_kill (\d+)/.exec(readFileSync(file as string, "utf8"));
      if (m) return Number(m[1]);
    } catch {
      // not this hierarchy
    }
  }
  return 0;
}

/** How long the monitor waits, once runc has exited, for the container's last output. */
const DRAIN_MS = 2000;

export async function monitor(o: MonitorOptions): Promise<ExitStatus> {
  const pidFile = `${o.containerDir}/pid`;
  const log = logPath(o.containerDir, o.id);
  const attachable = o.tee === undefined && (o.interactive || o.tty);
  const attach = attachable ? await (await import("./attach-stdio.ts")).attachableStdio({ containerDir: o.containerDir, tty: o.tty, interactive: o.interactive }) : undefined;
  const stdio: StdioOptions = attach?.stdio ?? (o.tty && o.tee ? ["inherit", "inherit", "inherit"] : [o.interactive && o.tee ? "inherit" : "ignore", "pipe", "pipe"]);
  mark("runc run");
  const child = spawn(o.runc.binary, o.runc.args("run", "--keep", "--pid-file", pidFile, "--bundle", `${o.containerDir}/bundle`, o.id), { stdio });
  const out = logger(log, "stdout");
  const err = logger(log, "stderr");
  const output = (stream: Stream, c: Buffer) => {
    (stream === STDOUT ? out : err).data(c);
    (stream === STDOUT ? o.tee?.stdout : o.tee?.stderr)?.write(c);
  };
  if (attach) attach.started(child, output);
  else {
    child.stdout?.on("data", (c: Buffer) => output(STDOUT, c));
    child.stderr?.on("data", (c: Buffer) => output(STDERR, c));
  }
  let started = false;
  const poll = setInterval(() => {
    if (started || !existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (pid > 0) {
      started = true;
      mark("container started");
      o.onStart(pid);
    }
  }, 5);
  const code = await new Promise<number>((resolve) => {
    child.on("error", () => resolve(127));
    child.on("exit", (status, signal) => resolve(status ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
  mark("runc run exited");
  clearInterval(poll);
  await attach?.drained(DRAIN_MS);
  out.end();
  err.end();
  const oomKilled = oomKills(o.cgroupsPath) > 0;
  o.runc.removeStopped(o.id, o.cgroupsPath);
  mark("runc state deleted");
  // Attached clients get the status at once (attach-socket.ts) and are ended on the next turn
  // of the event loop: the caller records the exit synchronously when this resolves, so a client
  // that sees its connection end mostly finds the record final already.
  if (attach) {
    attach.report({ exitCode: code, oomKilled });
    setTimeout(() => void attach.close(), 0);
  }
  return { exitCode: code, oomKilled };
}

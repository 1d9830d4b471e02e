/**
 * `berth exec [-i] [-t] [-e] [-w] [-u] CONTAINER CMD…`: another process in a running container,
 * through `runc exec` (its stdio is this command's; its exit code is ours), and `berth stats`:
 * cpu, memory, pids and network counters of running containers, with their limits.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { CommandModule } from "../cli/types.ts";
import { isJson, outcome, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";
import { runInvocation } from "./run.ts";

interface ExecArgs extends GlobalArgs {
  container: string;
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  detach: boolean;
}

export const execCommand: CommandModule<GlobalArgs, ExecArgs> = {
  command: "exec <container> [command..]",
  describe: "run a command in a running container",
  builder: (y) =>
    y
      .option("interactive", { alias: "i", type: "boolean", default: false })
      .option("tty", { alias: "t", type: "boolean", default: false })
      .option("detach", { alias: "d", type: "boolean", default: false })
      .option("env", { alias: "e", type: "string", array: true, default: [] })
      .option("workdir", { alias: "w", type: "string" })
      .option("user", { alias: "u", type: "string" }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const rec = rt.containers.get(argv.container);
    if (rec.state.status !== "running") throw new Error(`container ${argv.container} is not running: start it first (berth start ${argv.container})`);
    const command = runInvocation.command;
    if (command.length === 0) throw new Error("exec needs a command after the container name");
    const args = [
      "exec",
      ...(argv.tty ? ["--tty"] : []),
      ...(argv.detach ? ["--detach"] : []),
      ...argv.env.flatMap((e) => ["--env", e]),
      ...(argv.workdir !== undefined ? ["--cwd", argv.workdir] : []),
      ...(argv.user !== undefined && /^\d+(:\d+)?$/.test(argv.user) ? ["--user", argv.user] : []),
      rec.id,
      ...command,
    ];
    const child = spawn(rt.runc.binary, rt.runc.args(...args), { stdio: [argv.interactive ? "inherit" : "ignore", "inherit", "inherit"] });
    outcome.exitCode = await new Promise<number>((resolve) => {
      child.on("error", () => resolve(126));
      child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 143)));
    });
  },
};

function netCounters(pid: number | undefined): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  if (pid === undefined) return { rx, tx };
  try {
    for (const line of readFileSync(`/proc/${pid}/net/dev`, "utf8").split("\n").slice(2)) {
      const [name, rest] = line.split(":");
      if (rest === undefined || name?.trim() === "lo") continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
  } catch {
    // gone
  }
  return { rx, tx };
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)}MiB`;

export const statsCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[]; format: string }> = {
  command: "stats [containers..]",
  describe: "cpu, memory, pids and network of running containers (one sample)",
  builder: (y) => withFormat(y) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const recs = (argv.containers?.length ? argv.containers.map((c) => rt.containers.get(c)) : rt.containers.list()).filter((r) => r.state.status === "running");
    const rows = recs.map((r) => {
      const s = (rt.runc.stats(r.id) ?? {}) as { cpu?: { usage?: { total?: number } }; memory?: { usage?: { usage?: number; limit?: number } }; pids?: { current?: number; limit?: number } };
      const net = netCounters(r.state.pid);
      const limit = r.hostConfig.memory ?? s.memory?.usage?.limit ?? 0;
      return {
        ID: r.id.slice(0, 12),
        Name: r.name,
        CPUSeconds: ((s.cpu?.usage?.total ?? 0) / 1e9).toFixed(2),
        MemUsage: s.memory?.usage?.usage ?? 0,
        MemLimit: limit,
        PIDs: s.pids?.current ?? 0,
        PIDsLimit: r.hostConfig.pidsLimit ?? 0,
        NetRx: net.rx,
        NetTx: net.tx,
      };
    });
    if (isJson(argv)) return printJsonLines(rows);
    const table = [["CONTAINER ID", "NAME", "CPU TIME", "MEM USAGE / LIMIT", "NET I/O", "PIDS"], ...rows.map((r) => [r.ID, r.Name, `${r.CPUSeconds}s`, `${mib(r.MemUsage)} / ${r.MemLimit ? mib(r.MemLimit) : "unlimited"}`, `${r.NetRx}B / ${r.NetTx}B`, `${r.PIDs}${r.PIDsLimit ? ` / ${r.PIDsLimit}` : ""}`])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
    print(table.map((row) => row.map((c, i) => c.padEnd((widths[i] ?? 0) + 3)).join("").trimEnd()).join("\n"));
  },
};

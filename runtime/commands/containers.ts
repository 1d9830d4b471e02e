/** Container commands besides run: ps, start, stop, restart, kill, rm, logs, inspect, port, wait. */
import { readFileSync } from "node:fs";
import type { CommandModule } from "../cli/types.ts";
import type { ContainerRecord } from "../container/store.ts";
import { isJson, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";

function ago(iso: string | undefined): string {
  if (iso === undefined) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? `${Math.floor(s)} seconds` : s < 3600 ? `${Math.floor(s / 60)} minutes` : `${Math.floor(s / 3600)} hours`;
}

function statusText(r: ContainerRecord): string {
  if (r.state.status === "running") return `Up ${ago(r.state.startedAt)}`;
  if (r.state.status === "exited") return `Exited (${r.state.exitCode ?? 0}) ${ago(r.state.finishedAt)} ago`;
  if (r.state.status === "restarting") return `Restarting (${r.state.exitCode ?? 0}) ${ago(r.state.finishedAt)} ago`;
  return "Created";
}

export function portsText(r: ContainerRecord): string {
  return r.hostConfig.portBindings.map((b) => `${b.hostIP || "0.0.0.0"}:${b.hostPort}->${b.containerPort}/${b.protocol}`).join(", ");
}

export const psCommand: CommandModule<GlobalArgs, GlobalArgs & { all: boolean; quiet: boolean; format: string }> = {
  command: "ps",
  describe: "list containers",
  builder: (y) => withFormat(y).option("all", { alias: "a", type: "boolean", default: false }).option("quiet", { alias: "q", type: "boolean", default: false }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const rows = rt.containers.list().filter((r) => argv.all || r.state.status === "running").sort((a, b) => b.created.localeCompare(a.created));
    if (argv.quiet) return rows.length === 0 ? undefined : print(rows.map((r) => r.id.slice(0, 12)).join("\n"));
    if (isJson(argv)) return printJsonLines(rows.map((r) => ({ ID: r.id.slice(0, 12), Image: r.image, Command: r.config.cmd.join(" "), CreatedAt: r.created, Status: statusText(r), Ports: portsText(r), Names: r.name, State: r.state.status })));
    const table = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], ...rows.map((r) => [r.id.slice(0, 12), r.image, JSON.stringify(r.config.cmd.join(" ").slice(0, 20)), `${ago(r.created)} ago`, statusText(r), portsText(r), r.name])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
    print(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("")).join("\n"));
  },
};


export const stopCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[]; time: number }> = {
  command: "stop <containers..>",
  describe: "stop containers (SIGTERM, then SIGKILL after --time seconds)",
  builder: (y) => y.option("time", { alias: "t", type: "number", default: 10 }) as never,
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv);
    for (const c of argv.containers) {
      await lifecycle.stopContainer(rt, rt.containers.get(c).id, argv.time);
      print(c);
    }
  },
};

export const killCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[]; signal: string }> = {
  command: "kill <containers..>",
  describe: "send a signal (default KILL) to containers",
  builder: (y) => y.option("signal", { alias: "s", type: "string", default: "KILL" }) as never,
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv);
    for (const c of argv.containers) {
      const r = rt.containers.get(c);
      if (r.state.status !== "running") throw new Error(`container ${c} is not running`);
      const signal = argv.signal.replace(/^SIG/, "").toUpperCase();
      // As docker: a container killed by hand stays down whatever its restart policy (not so for HUP, USR1...).
      if (["KILL", "TERM", "INT", "9", "15", "2"].includes(signal)) lifecycle.markStopRequested(rt, r.id);
      rt.runc.kill(r.id, signal);
      print(c);
    }
  },
};

export const startCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[] }> = {
  command: "start <containers..>",
  describe: "start stopped containers (in the background)",
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv);
    for (const c of argv.containers) {
      const r = rt.containers.get(c);
      if (r.state.status !== "running") await lifecycle.startDetached(rt, r.id);
      print(c);
    }
  },
};

export const restartCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[]; time: number }> = {
  command: "restart <containers..>",
  describe: "stop then start containers",
  builder: (y) => y.option("time", { alias: "t", type: "number", default: 10 }) as never,
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv);
    for (const c of argv.containers) {
      const r = rt.containers.get(c);
      await lifecycle.stopContainer(rt, r.id, argv.time);
      await lifecycle.startDetached(rt, r.id);
      print(c);
    }
  },
};

export const rmCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[]; force: boolean }> = {
  command: "rm <containers..>",
  describe: "remove containers (-f: also running ones)",
  builder: (y) => y.option("force", { alias: "f", type: "boolean", default: false }) as never,
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv);
    for (const c of argv.containers) {
      await lifecycle.removeContainer(rt, c, argv.force);
      print(c);
    }
  },
};

export const logsCommand: CommandModule<GlobalArgs, GlobalArgs & { container: string; follow: boolean; tail?: string }> = {
  command: "logs <container>",
  describe: "print a container's output (json-file log)",
  builder: (y) => y.option("follow", { alias: "f", type: "boolean", default: false }).option("tail", { type: "string" }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { logPath } = await import("../container/monitor.ts");
    const r = rt.containers.get(argv.container);
    const file = logPath(rt.containers.path(r.id), r.id);
    let offset = 0;
    const emit = (first: boolean) => {
      let text = "";
      try {
        text = readFileSync(file, "utf8").slice(offset);
      } catch {
        return;
      }
      offset += text.length;
      let lines = text.split("\n").filter(Boolean);
      if (first && argv.tail !== undefined && argv.tail !== "all") lines = lines.slice(-Number(argv.tail));
      for (const l of lines) {
        const e = JSON.parse(l) as { log: string; stream: string };
        (e.stream === "stderr" ? process.stderr : process.stdout).write(e.log);
      }
    };
    emit(true);
    while (argv.follow && rt.containers.read(r.id)?.state.status === "running") {
      await new Promise((res) => setTimeout(res, 100));
      emit(false);
    }
    if (argv.follow) emit(false);
  },
};

/** docker inspect's shape, for a container. */
export function inspectContainer(r: ContainerRecord): Record<string, unknown> {
  const nets: Record<string, unknown> = {};
  for (const a of r.network.attachments) {
    const ip = ((a.result.ips as { address: string; gateway?: string }[] | undefined) ?? []).find((x) => !x.address.includes(":"));
    const mac = ((a.result.interfaces as { name: string; mac?: string; sandbox?: string }[] | undefined) ?? []).find((i) => i.sandbox)?.mac;
    nets[a.network] = { IPAddress: ip?.address.split("/")[0] ?? "", IPPrefixLen: Number(ip?.address.split("/")[1] ?? 0), Gateway: ip?.gateway ?? "", MacAddress: mac ?? "" };
  }
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of r.hostConfig.portBindings) (ports[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIP || "0.0.0.0", HostPort: String(b.hostPort) });
  return {
    Id: r.id,
    Created: r.created,
    Name: `/${r.name}`,
    Image: r.imageId,
    RestartCount: r.state.restartCount ?? 0,
    State: { Status: r.state.status, Running: r.state.status === "running", Restarting: r.state.status === "restarting", Pid: r.state.pid ?? 0, ExitCode: r.state.exitCode ?? 0, OOMKilled: r.state.oomKilled ?? false, StartedAt: r.state.startedAt ?? "", FinishedAt: r.state.finishedAt ?? "" },
    Config: { Hostname: r.config.hostname, Env: r.config.env, Cmd: r.config.cmd, Image: r.image, Tty: r.config.tty, OpenStdin: r.config.interactive, ExposedPorts: Object.fromEntries(r.config.exposedPorts.map((p) => [p, {}])) },
    HostConfig: {
      NetworkMode: r.hostConfig.networkMode,
      PortBindings: ports,
      Links: r.hostConfig.links.map((l) => `/${l.name}:/${r.name}/${l.alias}`),
      Dns: r.hostConfig.dns,
      DnsSearch: r.hostConfig.dnsSearch,
      Binds: r.hostConfig.binds,
      Memory: r.hostConfig.memory ?? 0,
      NanoCpus: Math.round((r.hostConfig.cpus ?? 0) * 1e9),
      CpuShares: r.hostConfig.cpuShares ?? 0,
      PidsLimit: r.hostConfig.pidsLimit ?? 0,
      AutoRemove: r.hostConfig.autoRemove,
      RestartPolicy: { Name: r.hostConfig.restartPolicy?.name ?? "no", MaximumRetryCount: r.hostConfig.restartPolicy?.maximumRetryCount ?? 0 },
    },
    NetworkSettings: { SandboxKey: r.network.netns ?? "", Ports: ports, Networks: nets },
  };
}

/** docker inspect: containers first, then images, by name or ID. */
export const inspectCommand: CommandModule<GlobalArgs, GlobalArgs & { objects: string[] }> = {
  command: "inspect <objects..>",
  describe: "docker-like JSON about containers or images",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { inspectImage } = await import("./inspect.ts");
    const docs = argv.objects.map((o) => {
      const c = rt.containers.find(o);
      if (c !== undefined) return inspectContainer(c);
      const image = rt.images.get(o);
      if (image !== undefined) return inspectImage(rt.images, image);
      throw new Error(`no such object "${o}": see 'berth ps -a' and 'berth images'`);
    });
    print(JSON.stringify(docs, null, 4));
  },
};

export const portCommand: CommandModule<GlobalArgs, GlobalArgs & { container: string; port?: string }> = {
  command: "port <container> [port]",
  describe: "list a container's published ports",
  builder: (y) => y.positional("port", { type: "string" }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const r = rt.containers.get(argv.container);
    const asked = argv.port === undefined ? undefined : String(argv.port);
    const want = asked === undefined ? undefined : asked.includes("/") ? asked : `${asked}/tcp`;
    const lines = r.hostConfig.portBindings.filter((b) => want === undefined || `${b.containerPort}/${b.protocol}` === want).map((b) => (want === undefined ? `${b.containerPort}/${b.protocol} -> ` : "") + `${b.hostIP || "0.0.0.0"}:${b.hostPort}`);
    if (want !== undefined && lines.length === 0) throw new Error(`no public port '${want}' published for ${argv.container}`);
    if (lines.length > 0) print(lines.join("\n"));
  },
};

export const waitCommand: CommandModule<GlobalArgs, GlobalArgs & { containers: string[] }> = {
  command: "wait <containers..>",
  describe: "wait for containers to stop and print their exit codes",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    for (const c of argv.containers) {
      const id = rt.containers.get(c).id;
      for (;;) {
        const r = rt.containers.read(id);
        if (r === undefined || r.state.status === "exited") {
          print(String(r?.state.exitCode ?? 0));
          break;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  },
};

/** `berth network create/ls/inspect/rm`: networks stored as conflists (runtime/network). */
import type { CommandModule } from "../cli/types.ts";
import { isJson, print, printJsonLines, rootFrom, UsageError, withFormat, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";

interface CreateArgs extends GlobalArgs {
  name: string;
  driver: string;
  subnet: string[];
  gateway?: string;
  internal: boolean;
  ipv6: boolean;
  opt: string[];
}

function options(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf("=");
    if (eq <= 0) throw new UsageError(`-o ${o}: use KEY=VALUE (icc=false, mtu=1400, parent=eth0, bridge=br0, vni=42, remote=IP,IP)`);
    out[o.slice(0, eq).replace(/^com\.docker\.network\.bridge\.enable_icc$/, "icc").replace(/^com\.docker\.network\.driver\.mtu$/, "mtu").replace(/^com\.docker\.network\.bridge\.name$/, "bridge")] = o.slice(eq + 1);
  }
  return out;
}

const create: CommandModule<GlobalArgs, CreateArgs> = {
  command: "create <name>",
  describe: "create a network (automatic RFC 1918 subnet unless --subnet)",
  builder: (y) =>
    y
      .option("driver", { alias: "d", type: "string", default: "bridge", choices: ["bridge", "macvlan", "ptp", "vxlan"] })
      .option("subnet", { type: "string", array: true, default: [] })
      .option("gateway", { type: "string" })
      .option("internal", { type: "boolean", default: false })
      .option("ipv6", { type: "boolean", default: false })
      .option("opt", { alias: "o", type: "string", array: true, default: [] }) as never,
  handler: async (argv) => {
    const { NetworkStore } = await import("../network/networks.ts");
    const o = options(argv.opt);
    const list = new NetworkStore(rootFrom(argv)).create({
      name: argv.name,
      driver: argv.driver as "bridge",
      subnets: argv.subnet,
      ...(argv.gateway !== undefined ? { gateway: argv.gateway } : {}),
      internal: argv.internal,
      icc: o.icc !== "false",
      ipv6: argv.ipv6,
      ...(o.mtu !== undefined ? { mtu: Number(o.mtu) } : {}),
      ...(o.parent !== undefined ? { parent: o.parent } : {}),
      ...(o.bridge !== undefined ? { bridge: o.bridge } : {}),
      ...(argv.driver === "vxlan"
        ? {
            vxlan: {
              vni: Number(o.vni),
              remotes: (o.remote ?? "").split(",").filter(Boolean),
              ...(o.local !== undefined ? { local: o.local } : {}),
              ...(o.dev !== undefined ? { dev: o.dev } : {}),
              ...(o.group !== undefined ? { group: o.group } : {}),
            },
          }
        : {}),
      labels: {},
    });
    print(list.name);
  },
};

const ls: CommandModule<GlobalArgs, GlobalArgs & { format: string; quiet: boolean }> = {
  command: "ls",
  aliases: ["list"],
  describe: "list networks",
  builder: (y) => withFormat(y).option("quiet", { alias: "q", type: "boolean", default: false }) as never,
  handler: async (argv) => {
    const { NetworkStore } = await import("../network/networks.ts");
    const store = new NetworkStore(rootFrom(argv));
    store.ensureDefault();
    const lists = store.list();
    const driver = (l: (typeof lists)[number]) => String(l.plugins[0]?.type ?? "");
    if (argv.quiet) return print(lists.map((l) => l.name).join("\n"));
    if (isJson(argv)) return printJsonLines(lists.map((l) => ({ Name: l.name, Driver: driver(l), Source: l.source })));
    print([["NAME", "DRIVER"], ...lists.map((l) => [l.name, driver(l)])].map(([a, b]) => `${(a ?? "").padEnd(24)}${b}`).join("\n"));
  },
};

const inspect: CommandModule<GlobalArgs, GlobalArgs & { networks: string[] }> = {
  command: "inspect <networks..>",
  describe: "the networks' conflists and the containers attached",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const docs = argv.networks.map((n) => {
      const list = n === "bridge" ? rt.net.networks.ensureDefault() : rt.net.networks.get(n);
      if (list === undefined) throw new Error(`no such network "${n}": see 'berth network ls'`);
      const containers = Object.fromEntries(
        rt.containers.list().flatMap((c) => c.network.attachments.filter((a) => a.network === list.name).map((a) => [c.id, { Name: c.name, IPv4Address: ((a.result.ips as { address: string }[] | undefined) ?? []).find((i) => !i.address.includes(":"))?.address ?? "" }])),
      );
      return { Name: list.name, Driver: list.plugins[0]?.type, ConfigList: JSON.parse(list.bytes.toString("utf8")), Containers: containers };
    });
    print(JSON.stringify(docs, null, 4));
  },
};

const rm: CommandModule<GlobalArgs, GlobalArgs & { networks: string[] }> = {
  command: "rm <networks..>",
  aliases: ["remove"],
  describe: "remove networks no container uses",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    for (const n of argv.networks) {
      const users = rt.containers.list().filter((c) => c.hostConfig.networkMode === n || c.network.attachments.some((a) => a.network === n));
      if (users.length > 0) throw new Error(`network ${n} is in use by container ${users.map((u) => u.name).join(", ")}: remove them first (berth rm -f ...)`);
      rt.net.networks.remove(n);
      print(n);
    }
  },
};

const connect: CommandModule<GlobalArgs, GlobalArgs & { network: string; container: string }> = {
  command: "connect <network> <container>",
  describe: "connect a container to another network (as its next ethN)",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { connectNetwork } = await import("../container/network.ts");
    const rec = rt.containers.get(argv.container);
    using _lock = rt.containers.lock(rec.id);
    const fresh = rt.containers.get(rec.id);
    await connectNetwork(rt.net, fresh, argv.network, rt.containers.path(rec.id));
    rt.containers.write(fresh);
  },
};

const disconnect: CommandModule<GlobalArgs, GlobalArgs & { network: string; container: string }> = {
  command: "disconnect <network> <container>",
  describe: "disconnect a container from a network it was connected to",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { disconnectNetwork } = await import("../container/network.ts");
    const rec = rt.containers.get(argv.container);
    using _lock = rt.containers.lock(rec.id);
    const fresh = rt.containers.get(rec.id);
    await disconnectNetwork(rt.net, fresh, argv.network);
    rt.containers.write(fresh);
  },
};

export const networkCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "network <command>",
  describe: "manage networks (create, ls, inspect, rm, connect, disconnect)",
  builder: (y) => y.command(create).command(ls).command(inspect).command(rm).command(connect).command(disconnect).demandCommand(1, "a network command is missing") as never,
  handler: () => undefined,
};

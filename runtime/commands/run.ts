/**
 * `berth run`: docker's grammar (see run-args.ts), the container created, its network set up
 * through berth's plugins, then run in the foreground (this process is its monitor) or, with -d,
 * under a detached `berth shim`. `berth shim ID` is that monitor's entry (not listed in help).
 */
import { readFileSync } from "node:fs";
import type { Argv, CommandModule } from "../cli/types.ts";
import { outcome, print, UsageError, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";
import { parseBytes, splitRun } from "./run-args.ts";

interface RunArgs extends GlobalArgs {
  image: string;
  command: string[];
  detach: boolean;
  interactive: boolean;
  tty: boolean;
  rm: boolean;
  restart: string;
  name?: string;
  env: string[];
  "env-file": string[];
  workdir?: string;
  user?: string;
  volume: string[];
  hostname?: string;
  dns: string[];
  "dns-search": string[];
  "dns-opt": string[];
  "add-host": string[];
  link: string[];
  publish: string[];
  "publish-all": boolean;
  network: string;
  memory?: string;
  cpus?: number;
  "cpu-shares"?: number;
  "pids-limit"?: number;
  entrypoint?: string;
  ip?: string;
  "mac-address"?: string;
}

const list = { type: "string", array: true, default: [] } as const;

/**
 * The command after the image, split off the raw words before the options are parsed (see
 * run-args.ts): the parser would otherwise read the command's own flags as berth's.
 */
export const runInvocation = { command: [] as string[] };

/**
 * `[...globals, "run"|"exec", ...options, image|container, ...command]` → the parser's words, the
 * command kept aside.
 */
export function prepareRunArgv(argv: string[], verb: "run" | "exec" = "run"): string[] {
  const at = argv.indexOf(verb);
  if (at < 0) return argv;
  const split = splitRun(argv.slice(at + 1));
  runInvocation.command = split.command;
  // The image goes first: an array option (-p, -e) last on the line would swallow it.
  return [...argv.slice(0, at + 1), ...(split.image === undefined ? [] : [split.image]), ...split.options];
}

export function runOptions<T>(y: Argv<T>): Argv<RunArgs> {
  return y
    .option("detach", { alias: "d", type: "boolean", default: false, describe: "run in the background and print the container ID" })
    .option("interactive", { alias: "i", type: "boolean", default: false, describe: "keep stdin open" })
    .option("tty", { alias: "t", type: "boolean", default: false, describe: "allocate a terminal" })
    .option("rm", { type: "boolean", default: false, describe: "remove the container when it exits" })
    .option("restart", { type: "string", default: "no", describe: "restart policy: no, always, unless-stopped, on-failure[:max-retries]" })
    .option("name", { type: "string" })
    .option("env", { alias: "e", ...list, describe: "set an environment variable (NAME=value)" })
    .option("env-file", { ...list, describe: "read environment variables from a file" })
    .option("workdir", { alias: "w", type: "string" })
    .option("user", { alias: "u", type: "string" })
    .option("volume", { alias: "v", ...list, describe: "bind mount host:container[:ro]" })
    .option("hostname", { alias: "h", type: "string" })
    .option("dns", list)
    .option("dns-search", list)
    .option("dns-opt", list)
    .option("add-host", { ...list, describe: "add a host:ip line to /etc/hosts" })
    .option("link", { ...list, describe: "name[:alias] of a container to link to" })
    .option("publish", { alias: "p", ...list, describe: "publish ports: [ip:][hostPort:]containerPort[/proto]" })
    .option("publish-all", { alias: "P", type: "boolean", default: false, describe: "publish every exposed port on a free host port" })
    .option("network", { alias: "net", type: "string", default: "bridge", describe: "bridge, host, none, container:NAME or a network name" })
    .option("memory", { alias: "m", type: "string" })
    .option("cpus", { type: "number" })
    .option("cpu-shares", { type: "number" })
    .option("pids-limit", { type: "number" })
    .option("entrypoint", { type: "string" })
    .option("ip", { type: "string", describe: "the container's IPv4 address on the network (within its subnet)" })
    .option("mac-address", { type: "string", describe: "the container interface's MAC address" }) as unknown as Argv<RunArgs>;
}

function envFiles(files: string[]): string[] {
  return files.flatMap((f) => readFileSync(f, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")).map((l) => (l.includes("=") ? l : `${l}=${process.env[l] ?? ""}`)));
}

export const runCommand: CommandModule<GlobalArgs, RunArgs> = {
  command: "run <image> [command..]",
  describe: "create and run a container (docker run's options)",
  builder: (y) => runOptions(y).positional("image", { type: "string", demandOption: true }).positional("command", { type: "string", array: true, default: [] }) as never,
  handler: async (parsed) => {
    const argv = { ...parsed, command: runInvocation.command };
    const { parseRestart } = await import("../container/restart.ts");
    let restartPolicy;
    try {
      restartPolicy = parseRestart(argv.restart);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (argv.rm && restartPolicy.name !== "no") throw new UsageError(`--restart ${argv.restart} and --rm conflict: a container removed when it exits cannot be restarted`);
    const { rt, lifecycle } = await openRuntime(argv);
    const { parsePublish, assignFreePorts } = await import("../container/ports.ts");
    const { containerAddress } = await import("../container/network.ts");
    const image = rt.images.get(argv.image);
    if (image === undefined) throw new Error(`no such image "${argv.image}": pull it (berth pull ${argv.image}) or import one`);
    const exposed = Object.keys(rt.images.configOf(image).config?.ExposedPorts ?? {});
    let bindings = argv.publish.flatMap(parsePublish);
    if (argv["publish-all"]) {
      for (const e of exposed) {
        const [port, proto = "tcp"] = e.split("/");
        if (!bindings.some((b) => b.containerPort === Number(port) && b.protocol === proto)) bindings.push({ protocol: proto as "tcp", containerPort: Number(port), hostIP: "", hostPort: 0 });
      }
    }
    if (bindings.some((b) => b.hostPort === 0)) {
      const taken = new Set(rt.containers.list().flatMap((c) => c.hostConfig.portBindings.map((b) => `${b.protocol}/${b.hostPort}`)));
      bindings = assignFreePorts(bindings, taken);
    }
    if (bindings.length > 0 && (argv.network === "host" || argv.network === "none" || argv.network.startsWith("container:"))) {
      throw new UsageError(`published ports need a network: --net ${argv.network} has none to publish from`);
    }
    const extraHosts = [...argv["add-host"]];
    const linkEnv: string[] = [];
    for (const l of argv.link) {
      const [target = "", alias = target] = l.split(":");
      const other = rt.containers.get(target);
      const ip = containerAddress(other);
      if (ip === undefined) throw new Error(`cannot link to ${target}: it has no address on a network (is it running on a bridge network?)`);
      extraHosts.push(`${[...new Set([alias, other.name, other.config.hostname])].join(",")}:${ip}`);
      linkEnv.push(...linkVariables(alias, argv.name ?? "", ip, other.config.exposedPorts));
    }
    const rec = await lifecycle.createContainer(rt, {
      ...(argv.name !== undefined ? { name: argv.name } : {}),
      image: argv.image,
      command: argv.command,
      ...(argv.entrypoint !== undefined ? { entrypoint: argv.entrypoint } : {}),
      env: [...envFiles(argv["env-file"]), ...argv.env],
      ...(argv.workdir !== undefined ? { workdir: argv.workdir } : {}),
      ...(argv.user !== undefined ? { user: argv.user } : {}),
      tty: argv.tty,
      interactive: argv.interactive,
      ...(argv.hostname !== undefined ? { hostname: argv.hostname } : {}),
      extraHosts,
      linkEnv,
      hostConfig: {
        networkMode: argv.network,
        portBindings: bindings,
        links: argv.link.map((l) => ({ name: l.split(":")[0] as string, alias: l.split(":")[1] ?? (l.split(":")[0] as string) })),
        dns: argv.dns,
        dnsSearch: argv["dns-search"],
        dnsOptions: argv["dns-opt"],
        extraHosts: argv["add-host"],
        binds: argv.volume,
        ...(argv.ip !== undefined ? { ip: argv.ip } : {}),
        ...(argv["mac-address"] !== undefined ? { mac: argv["mac-address"] } : {}),
        ...(argv.memory !== undefined ? { memory: parseBytes(argv.memory) } : {}),
        ...(argv.cpus !== undefined ? { cpus: argv.cpus } : {}),
        ...(argv["cpu-shares"] !== undefined ? { cpuShares: argv["cpu-shares"] } : {}),
        ...(argv["pids-limit"] !== undefined ? { pidsLimit: argv["pids-limit"] } : {}),
        autoRemove: argv.rm,
        ...(restartPolicy.name !== "no" ? { restartPolicy } : {}),
      },
    });
    if (argv.detach) {
      await lifecycle.startDetached(rt, rec.id);
      print(rec.id);
      return;
    }
    const status = await lifecycle.superviseHere(rt, rec.id, { stdout: process.stdout, stderr: process.stderr });
    outcome.exitCode = status.exitCode;
  },
};

/** docker's link environment: ALIAS_PORT_5432_TCP_ADDR and friends, from the target's exposed ports. */
export function linkVariables(alias: string, self: string, ip: string, exposed: string[]): string[] {
  const A = alias.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  const out = [`${A}_NAME=/${self}/${alias}`];
  const ports = exposed.map((e) => e.split("/")).sort((a, b) => Number(a[0]) - Number(b[0]));
  const first = ports[0];
  if (first) out.push(`${A}_PORT=${first[1] ?? "tcp"}://${ip}:${first[0]}`);
  for (const [port, proto = "tcp"] of ports) {
    const P = `${A}_PORT_${port}_${proto.toUpperCase()}`;
    out.push(`${P}=${proto}://${ip}:${port}`, `${P}_ADDR=${ip}`, `${P}_PORT=${port}`, `${P}_PROTO=${proto}`);
  }
  return out;
}

export const shimCommand: CommandModule<GlobalArgs, GlobalArgs & { id: string }> = {
  command: "shim <id>",
  describe: false,
  builder: (y) => y.positional("id", { type: "string", demandOption: true }) as never,
  handler: async (argv) => {
    const { rt, lifecycle } = await openRuntime(argv, false);
    await lifecycle.superviseHere(rt, argv.id);
  },
};

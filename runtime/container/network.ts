/**
 * A container's networking, as a CNI runtime: a network namespace of its own (`berth-<id12>`
 * in /run/netns), the network's conflist run through berth's plugins (ADD/DEL via runtime/cni,
 * results cached in libcni's format), and the DNS files (hosts, resolv.conf, hostname) the
 * runtime bind-mounts. Modes as docker's --net: a network name, host, none, container:NAME.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { containerResolv, formatHosts, formatResolvConf, hostsEntries, parseHostEntry, readHostResolv, writeInPlace } from "../../lib/dns/index.ts";
import { openHandle } from "../../lib/netlink/index.ts";
import { createNamedNetns, deleteNamedNetns, pathExists } from "../../lib/netns/index.ts";
import { CniRuntime, inProcessRunner } from "../cni/index.ts";
import { NetworkStore } from "../network/networks.ts";
import type { ContainerRecord } from "./store.ts";

export interface NetworkContext {
  root: string;
  networks: NetworkStore;
  cni: CniRuntime;
}

/** Plugins of this binary run in-process (`self` is the berth binary); others are exec'd. */
export function networkContext(root: string, pluginDirs: string[], self: string): NetworkContext {
  return { root, networks: new NetworkStore(root), cni: new CniRuntime({ pluginDirs, cacheDir: `${root}/cni-cache`, runner: inProcessRunner(self) }) };
}

export const netnsName = (id: string) => `berth-${id.slice(0, 12)}`;
export const netnsPath = (id: string) => `/run/netns/${netnsName(id)}`;

/** Where the container's DNS files live (bind-mounted at /etc/hosts, /etc/resolv.conf, /etc/hostname). */
export const dnsDir = (containerDir: string) => `${containerDir}/dns`;

function capabilityArgs(rec: ContainerRecord, dir: string, extraHosts: string[]): Record<string, unknown> {
  const h = rec.hostConfig;
  return {
    portMappings: h.portBindings.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, ...(p.hostIP ? { hostIP: p.hostIP } : {}) })),
    dnsFiles: { dir, hostname: rec.config.hostname, extraHosts },
    ...(h.dns.length + h.dnsSearch.length + h.dnsOptions.length > 0 ? { dns: { servers: h.dns, searches: h.dnsSearch, options: h.dnsOptions } } : {}),
    aliases: { [h.networkMode]: [rec.name] },
    ...(h.ip !== undefined ? { ips: [h.ip] } : {}),
    ...(h.mac !== undefined ? { mac: h.mac } : {}),
  };
}

/** DNS files for modes without dnsfiles in a conflist (host, none, container:). */
function writeStaticDns(rec: ContainerRecord, dir: string, extraHosts: string[], addresses: string[]): void {
  const h = rec.hostConfig;
  const resolv = containerResolv(readHostResolv(), { nameservers: h.dns, search: h.dnsSearch, options: h.dnsOptions });
  writeInPlace(`${dir}/resolv.conf`, formatResolvConf(resolv));
  writeInPlace(`${dir}/hosts`, formatHosts(hostsEntries({ hostname: rec.config.hostname, addresses, aliases: [], extra: extraHosts.map(parseHostEntry) })));
  writeInPlace(`${dir}/hostname`, `${rec.config.hostname}\n`);
}

/**
 * Set the container's network up; records the netns and each attachment's result in `rec`.
 * `extraHosts` are "name:ip" lines (--add-host, --link). On failure, what was made is undone.
 */
export async function attachNetwork(ctx: NetworkContext, rec: ContainerRecord, containerDir: string, extraHosts: string[], sharedNetns?: string): Promise<void> {
  const dir = dnsDir(containerDir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mode = rec.hostConfig.networkMode;
  if (mode === "host") {
    rec.network = { netns: "host", attachments: [] };
    copyFileSync("/etc/hosts", `${dir}/hosts`);
    writeInPlace(`${dir}/resolv.conf`, formatResolvConf(containerResolv(readHostResolv(), { nameservers: rec.hostConfig.dns, search: rec.hostConfig.dnsSearch, options: rec.hostConfig.dnsOptions })));
    writeFileSync(`${dir}/hostname`, `${rec.config.hostname}\n`);
    return;
  }
  if (mode.startsWith("container:")) {
    if (sharedNetns === undefined) throw new Error(`--net ${mode}: the target container has no network namespace (is it running?)`);
    rec.network = { netns: sharedNetns, attachments: [] };
    writeStaticDns(rec, dir, extraHosts, []);
    return;
  }
  const netns = createNamedNetns(netnsName(rec.id));
  rec.network = { netns, attachments: [] };
  try {
    {
      using h = openHandle(netns);
      h.linkSetUp("lo");
    }
    if (mode === "none") {
      writeStaticDns(rec, dir, extraHosts, []);
      return;
    }
    const list = mode === "bridge" ? ctx.networks.ensureDefault() : ctx.networks.get(mode);
    if (list === undefined) throw new Error(`network ${mode} not found: create it (berth network create ${mode}) or use one of 'berth network ls'`);
    const result = await ctx.cni.add(list, { containerId: rec.id, netns, ifname: "eth0", capabilityArgs: capabilityArgs(rec, dir, extraHosts) });
    rec.network.attachments.push({ network: list.name, ifname: "eth0", result });
  } catch (err) {
    await detachNetwork(ctx, rec);
    throw err;
  }
}

/** Undo attachNetwork: CNI DEL of every network (from the cache), then the namespace. Idempotent. */
export async function detachNetwork(ctx: NetworkContext, rec: ContainerRecord): Promise<void> {
  const netns = rec.network.netns;
  const mode = rec.hostConfig.networkMode;
  if (netns === undefined || netns === "host" || mode.startsWith("container:")) return;
  const errors: Error[] = [];
  // The primary network (also when ADD never recorded it: a killed command), then every network connected later.
  const attachments = [...(mode === "none" ? [] : [{ network: mode, ifname: "eth0" }]), ...rec.network.attachments.filter((a) => a.ifname !== "eth0")];
  for (const a of attachments) {
    const list = ctx.networks.get(a.network);
    if (list === undefined) continue;
    try {
      await ctx.cni.del(list, { containerId: rec.id, netns: pathExists(netns) ? netns : "", ifname: a.ifname });
    } catch (err) {
      errors.push(err as Error);
    }
  }
  if (pathExists(netns)) deleteNamedNetns(netnsName(rec.id));
  if (errors[0] !== undefined) throw errors[0];
}

/** docker network connect: the container joins another network as its next ethN. */
export async function connectNetwork(ctx: NetworkContext, rec: ContainerRecord, network: string, containerDir: string): Promise<string> {
  const netns = rec.network.netns;
  if (netns === undefined || netns === "host" || rec.hostConfig.networkMode.startsWith("container:")) {
    throw new Error(`container ${rec.name} shares another network namespace (--net ${rec.hostConfig.networkMode}): it cannot join networks of its own`);
  }
  const list = network === "bridge" ? ctx.networks.ensureDefault() : ctx.networks.get(network);
  if (list === undefined) throw new Error(`network ${network} not found: see 'berth network ls'`);
  if (rec.network.attachments.some((a) => a.network === list.name) || rec.hostConfig.networkMode === list.name) throw new Error(`container ${rec.name} is already connected to network ${list.name}`);
  // Like docker: the default route stays the primary network's; a network joined later adds none.
  const secondary = { ...list, plugins: list.plugins.map((p, i) => (i === 0 && p.isDefaultGateway === true ? { ...p, isDefaultGateway: false } : p)) };
  const used = new Set(rec.network.attachments.map((a) => a.ifname));
  let n = 1;
  while (used.has(`eth${n}`)) n++;
  const ifname = `eth${n}`;
  // Its DNS files go to a side directory: the container's own (bind-mounted) files stay its primary network's.
  const result = await ctx.cni.add(secondary, { containerId: rec.id, netns, ifname, capabilityArgs: { dnsFiles: { dir: `${containerDir}/dns-${ifname}`, hostname: rec.config.hostname } } });
  rec.network.attachments.push({ network: list.name, ifname, result });
  return ifname;
}

/** docker network disconnect. */
export async function disconnectNetwork(ctx: NetworkContext, rec: ContainerRecord, network: string): Promise<void> {
  const a = rec.network.attachments.find((x) => x.network === network && x.ifname !== "eth0");
  if (a === undefined) throw new Error(`container ${rec.name} is not connected to network ${network} (its primary network is left with 'berth rm')`);
  const list = ctx.networks.get(network);
  if (list !== undefined) await ctx.cni.del(list, { containerId: rec.id, netns: rec.network.netns ?? "", ifname: a.ifname });
  rec.network.attachments = rec.network.attachments.filter((x) => x !== a);
}

/** The container's first IPv4 address (for --link hosts entries and `inspect`). */
export function containerAddress(rec: ContainerRecord): string | undefined {
  for (const a of rec.network.attachments) {
    for (const ip of (a.result.ips as { address: string }[] | undefined) ?? []) if (!ip.address.includes(":")) return ip.address.split("/")[0];
  }
  return undefined;
}

const linkOwner = (id: string) => `link/${id}`;

/**
 * docker --link on an icc=false network: the client may reach exactly the target's exposed ports
 * (elements of berth's fw_links4 set, owned by the client container, removed with it).
 */
export async function allowLinkedPairs(ctx: NetworkContext, rec: ContainerRecord, targets: ContainerRecord[]): Promise<void> {
  const client = containerAddress(rec);
  if (client === undefined || targets.length === 0) return;
  const links = targets.flatMap((t) => {
    const server = containerAddress(t);
    if (server === undefined) return [];
    return t.config.exposedPorts.map((e) => {
      const [port, protocol = "tcp"] = e.split("/");
      return { client, server, protocol: protocol as "tcp", port: Number(port) };
    });
  });
  if (links.length === 0) return;
  // lib/firewall is loaded only by containers that have links (most commands never need it).
  const { allowLinks } = await import("../../lib/firewall/index.ts");
  allowLinks(linkOwner(rec.id), { container: rec.id, name: rec.name }, links, { stateDir: ctx.networks.stateDir });
}

/** Drop the container's link exceptions (nothing to do when it had none). */
export async function releaseLinkedPairs(ctx: NetworkContext, rec: ContainerRecord): Promise<void> {
  if (rec.hostConfig.links.length === 0) return;
  const { release } = await import("../../lib/firewall/index.ts");
  release(linkOwner(rec.id), { stateDir: ctx.networks.stateDir });
}

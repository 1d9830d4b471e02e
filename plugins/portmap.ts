/**
 * portmap: a chained plugin that publishes container ports on the host (Docker's -p), with the
 * reference plugin's keys (see portmap/config.ts). Each mapping is an element of a map in
 * berth's nftables table — the rules never grow — owned by this attachment in the state store,
 * so a host port taken by another container is refused naming its owner, and DEL removes exactly
 * what ADD added, from the record, without runtimeConfig.
 *
 * Also: localhost access to published ports (route_localnet on the interface toward the
 * container, while the skeleton drops 127.0.0.0/8 arriving from outside), hairpin without a
 * second option (connections from a publishing container's subnet are masqueraded), and
 * conntrack entries of the affected host ports cleared on ADD and DEL.
 */
import { cniError, CniErrorCode, type Logger, type Plugin, type Result } from "../lib/cni/index.ts";
import type { OwnedState } from "../lib/firewall/index.ts";
import { formatCidr, cidrContains, parseCidr, parseIp } from "../lib/ip/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { sysctlSet } from "../lib/sysctl/index.ts";
import { CHECK_FAILED } from "./netns-handle.ts";
import { parsePortmapConfig, type PortmapConfig } from "./portmap/config.ts";
import { clearConntrack } from "./portmap/conntrack.ts";

/** A host port already published by another attachment. */
export const PORT_CONFLICT = 103;


const ownerOf = (network: string, containerId: string | undefined, ifname: string | undefined) => `portmap/${network}/${containerId}/${ifname}`;
const firewall = () => import("../lib/firewall/index.ts");

/** The configured (or default) firewall backend; an unusable one is a config error naming it. */
async function backendFor(conf: PortmapConfig, log: Logger) {
  const fw = await firewall();
  try {
    const { backend, reason } = await fw.chooseBackend(conf.backend);
    log.debug({ backend: backend.name, reason }, "firewall backend chosen");
    return { fw, backend };
  } catch (err) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "No usable firewall backend", (err as Error).message, { cause: err });
  }
}

/** The host interface routing to the container (the bridge, or a ptp host veth): for route_localnet. */
function interfaceToward(address: string): string | undefined {
  const ip = parseIp(address);
  using host = openHandle();
  let best: { prefix: number; dev: number } | undefined;
  for (const r of host.routeList({ family: ip.family })) {
    if (r.dev === undefined || r.gw !== undefined) continue;
    const dst = parseCidr(r.dst);
    if (cidrContains(dst, ip) && (best === undefined || dst.prefix > best.prefix)) best = { prefix: dst.prefix, dev: r.dev };
  }
  return best === undefined ? undefined : host.linkByIndex(best.dev).name;
}

function allowLocalhost(addresses: string[], log: Logger): void {
  for (const a of addresses) {
    if (parseCidr(a).ip.family !== 4) continue; // IPv6 has no route_localnet: ::1 cannot be published
    const dev = interfaceToward(a.split("/")[0] as string);
    if (dev === undefined) continue;
    sysctlSet(`net.ipv4.conf.${dev}.route_localnet`, 1);
    log.debug({ dev }, "route_localnet enabled for localhost access to published ports");
  }
}

/**
 * Hairpin without a second option: with br_netfilter the DNAT of a container's connection to its
 * own published port happens on the bridge, which must then send the frame back out the port it
 * came in on. Turn hairpin mode on for the container's bridge port (the host veth in the result).
 */
function allowHairpin(prev: Result, log: Logger): void {
  using host = openHandle();
  for (const i of prev.interfaces ?? []) {
    if (i.sandbox !== undefined && i.sandbox !== "") continue;
    const link = host.linkFind(i.name);
    if (link?.masterIndex === undefined || link.kind === "bridge") continue;
    host.linkSetBridgePort(link.index, { hairpin: true });
    log.debug({ port: link.name }, "hairpin mode on for the container's bridge port");
  }
}

function portsOf(state: OwnedState | undefined): { protocol: string; hostPort: number }[] {
  return (state?.ports ?? []).map((p) => ({ protocol: p.protocol, hostPort: p.hostPort }));
}

export const plugin: Plugin<PortmapConfig> = {
  name: "portmap",
  parseConfig: parsePortmapConfig,

  async add(ctx) {
    const { conf, env } = ctx;
    const prev: Result = ctx.prevResult ?? { cniVersion: ctx.cniVersion };
    if (conf.mappings.length === 0) return { ...prev, cniVersion: ctx.cniVersion };
    const addresses = (prev.ips ?? []).map((ip) => formatCidr(parseCidr(ip.address)));
    if (addresses.length === 0) throw cniError(CniErrorCode.INVALID_CONFIG, "portmap has no container address to publish to", "chain portmap after a plugin whose result has ips (bridge, ptp, macvlan)");
    const { fw, backend } = await backendFor(conf, ctx.log);
    const owner = ownerOf(conf.name, env.containerId, env.ifname);
    const info = { network: conf.name, container: env.containerId ?? "", ifname: env.ifname ?? "" };
    let state: OwnedState;
    try {
      state = backend.publishPorts({ owner, info, addresses, mappings: conf.mappings, snat: conf.snat, masqAll: conf.masqAll }, { stateDir: conf.stateDir });
    } catch (err) {
      if (err instanceof fw.PortConflictError) throw cniError(PORT_CONFLICT, `Cannot publish ports of container ${env.containerId}`, err.message, { cause: err });
      if (err instanceof fw.FirewallError) throw cniError(CniErrorCode.INVALID_CONFIG, `Cannot publish ports of container ${env.containerId}`, err.message, { cause: err });
      throw err;
    }
    if (conf.snat) {
      allowLocalhost(addresses, ctx.log);
      allowHairpin(prev, ctx.log);
    }
    clearConntrack(portsOf(state), ctx.log);
    ctx.log.info({ ports: state.ports.length, elements: state.elements.length }, "ports published");
    return { ...prev, cniVersion: ctx.cniVersion };
  },

  async del(ctx) {
    const { conf, env } = ctx;
    const { fw, backend } = await backendFor(conf, ctx.log);
    const owner = ownerOf(conf.name, env.containerId, env.ifname);
    const ctxFw = { stateDir: conf.stateDir };
    const held = fw.ownedBy(owner, ctxFw);
    if (held === undefined) return;
    backend.release(owner, ctxFw);
    clearConntrack(portsOf(held), ctx.log);
    ctx.log.info({ ports: held.ports.length }, "ports unpublished");
  },

  async check(ctx) {
    const { conf, env } = ctx;
    if (conf.mappings.length === 0) return;
    const { fw, backend } = await backendFor(conf, ctx.log);
    const owner = ownerOf(conf.name, env.containerId, env.ifname);
    const ctxFw = { stateDir: conf.stateDir };
    if (fw.ownedBy(owner, ctxFw) === undefined) throw cniError(CHECK_FAILED, `No published ports recorded for container ${env.containerId}`, `network "${conf.name}", interface ${env.ifname}`);
    const missing = backend.missing(owner, ctxFw);
    if (missing.length > 0) throw cniError(CHECK_FAILED, `Published ports of container ${env.containerId} are missing from the ${backend.name} ruleset`, missing.join("; "));
  },

  async gc(ctx) {
    const valid = ctx.validAttachments;
    if (valid === undefined) return;
    const { fw, backend } = await backendFor(ctx.conf, ctx.log);
    const keep = new Set(valid.map((a) => ownerOf(ctx.conf.name, a.containerID, a.ifname)));
    const ctxFw = { stateDir: ctx.conf.stateDir };
    for (const owner of new fw.ElementOwnership(ctx.conf.stateDir).owners(`portmap/${ctx.conf.name}/`)) {
      if (keep.has(owner)) continue;
      const held = fw.ownedBy(owner, ctxFw);
      backend.release(owner, ctxFw);
      clearConntrack(portsOf(held), ctx.log);
      ctx.log.info({ owner }, "GC unpublished the ports of a stale attachment");
    }
  },

  status() {},
};

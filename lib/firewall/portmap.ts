/**
 * Port publishing as elements: each mapping becomes one element per port of its range in a map
 * keyed by (protocol, host address, host port) — or (protocol, host port) for every address —
 * whose value is the container's (address, port). The rules that use the maps are part of the
 * skeleton and never change. Hairpin and localhost access are masquerades of DNATed flows whose
 * source is a publishing container's subnet or 127.0.0.0/8; masqAll masquerades every flow to
 * the container.
 */
import { type Cidr, cidrNetwork, formatIp, parseCidr, parseIp } from "../ip/index.ts";
import { FirewallError } from "./errors.ts";
import { type NftElement, type NftField } from "./nft/values.ts";
import type { OwnedState, PortClaim } from "./ownership.ts";

export type PortProtocol = "tcp" | "udp" | "sctp";

export interface PortMapping {
  protocol: PortProtocol;
  hostPort: number;
  containerPort: number;
  /** One host address, or absent / "" / 0.0.0.0 / :: for every address of that family. */
  hostIP?: string;
  /** How many consecutive ports, from hostPort and containerPort on (default 1). */
  range?: number;
}

export interface PublishRequest {
  /** The attachment, e.g. "portmap/<network>/<container ID>/<ifname>". */
  owner: string;
  info: Record<string, string>;
  /** The container's addresses with their prefix ("10.88.0.5/16"). */
  addresses: string[];
  mappings: PortMapping[];
  /** Masquerade hairpin and localhost connections (reference key `snat`, default true). */
  snat: boolean;
  /** Masquerade every connection to a published port of this container (reference `masqAll`). */
  masqAll: boolean;
}

const ip = (family: 4 | 6, value: string): NftField => (family === 4 ? { type: "ipv4_addr", value } : { type: "ipv6_addr", value });

function hostAddress(m: PortMapping): { family?: 4 | 6; any: boolean; address: string } {
  const text = m.hostIP ?? "";
  if (text === "") return { any: true, address: "" };
  const parsed = parseIp(text);
  const address = formatIp(parsed);
  return { family: parsed.family, any: address === "0.0.0.0" || address === "::", address };
}

/** Check one mapping; throws naming it. */
export function validateMapping(m: PortMapping): void {
  const name = `port mapping ${JSON.stringify(m)}`;
  for (const [key, value] of [["hostPort", m.hostPort], ["containerPort", m.containerPort]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new FirewallError(`${name}: ${key} must be an integer from 1 to 65535`);
  }
  const range = m.range ?? 1;
  if (!Number.isInteger(range) || range < 1 || m.hostPort + range - 1 > 65535 || m.containerPort + range - 1 > 65535) {
    throw new FirewallError(`${name}: range must be a positive integer that keeps both port ranges within 65535`);
  }
  if (!["tcp", "udp", "sctp"].includes(m.protocol)) throw new FirewallError(`${name}: protocol must be tcp, udp or sctp`);
  if (m.hostIP !== undefined && m.hostIP !== "") {
    try {
      parseIp(m.hostIP);
    } catch (err) {
      throw new FirewallError(`${name}: hostIP ${JSON.stringify(m.hostIP)} is not an IP address`, { cause: err });
    }
  }
}

/** The elements and host-port claims a publish request owns. */
export function portState(req: PublishRequest): OwnedState {
  const elements: NftElement[] = [];
  const ports: PortClaim[] = [];
  const claimed = new Set<string>();
  const containers: Cidr[] = req.addresses.map((a) => parseCidr(a));
  for (const m of req.mappings) {
    validateMapping(m);
    const host = hostAddress(m);
    for (let i = 0; i < (m.range ?? 1); i++) {
      const hostPort = m.hostPort + i;
      const containerPort = m.containerPort + i;
      let used = false;
      for (const c of containers) {
        const family = c.ip.family;
        if (host.family !== undefined && host.family !== family) continue; // the reference skips the other family
        used = true;
        const proto: NftField = { type: "inet_proto", value: m.protocol };
        const data = [ip(family, formatIp(c.ip)), { type: "inet_service", value: containerPort } as NftField];
        const service: NftField = { type: "inet_service", value: hostPort };
        if (host.any) elements.push({ set: `pm${family}_any`, key: [proto, service], data });
        else elements.push({ set: `pm${family}_addr`, key: [proto, ip(family, host.address), service], data });
      }
      const claim: PortClaim = { protocol: m.protocol, hostIP: host.any ? "" : host.address, hostPort };
      const id = `${claim.protocol}/${claim.hostIP}/${claim.hostPort}`;
      if (used && !claimed.has(id)) {
        claimed.add(id);
        ports.push(claim);
      }
    }
  }
  for (const c of containers) {
    const family = c.ip.family;
    if (req.snat) {
      const net = cidrNetwork(c);
      elements.push({ set: `pm_nets${family}`, key: [ip(family, formatIp(net.ip))], prefix: net.prefix });
    }
    if (req.masqAll) elements.push({ set: `pm_masqall${family}`, key: [ip(family, formatIp(c.ip))] });
  }
  return { info: req.info, elements: dedupe(elements), ports };
}

function dedupe(elements: NftElement[]): NftElement[] {
  const seen = new Map<string, NftElement>();
  for (const e of elements) seen.set(JSON.stringify([e.set, e.key, e.prefix]), e);
  return [...seen.values()];
}

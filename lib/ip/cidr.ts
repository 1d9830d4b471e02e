/**
 * CIDR prefixes. A Cidr keeps the address it was written with ("10.1.2.3/24" keeps
 * 10.1.2.3), so it can describe both an interface address and, through cidrNetwork,
 * the network it belongs to. Pure: no I/O.
 */
import { IpParseError, familyBits, familyMax, formatIp, parseIp } from "./address.ts";
import type { IpAddress, IpFamily } from "./address.ts";

export interface Cidr {
  /** The address as written; host bits may be set. */
  readonly ip: IpAddress;
  readonly prefix: number;
}

/** The netmask of a prefix length, as an integer. */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  return familyMax(family) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** Build a Cidr, checking the prefix length against the family. */
export function makeCidr(ip: IpAddress, prefix: number): Cidr {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > familyBits(ip.family)) {
    throw new RangeError(`Prefix length ${prefix} is invalid for IPv${ip.family}`);
  }
  return { ip, prefix };
}

/** Parse "address/prefix". The prefix must be decimal without leading zeros. */
export function parseCidr(text: string): Cidr {
  if (typeof text !== "string") throw new IpParseError("CIDR", String(text), "not a string");
  const slash = text.indexOf("/");
  if (slash < 0) throw new IpParseError("CIDR", text, "missing \"/prefix\"");
  const prefixText = text.slice(slash + 1);
  let ip: IpAddress;
  try {
    ip = parseIp(text.slice(0, slash));
  } catch (err) {
    const reason = err instanceof IpParseError ? err.reason : String(err);
    throw new IpParseError("CIDR", text, reason, { cause: err });
  }
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > familyBits(ip.family)) {
    throw new IpParseError("CIDR", text, `bad prefix length ${JSON.stringify(prefixText)}`);
  }
  return { ip, prefix: Number(prefixText) };
}

/** parseCidr that returns undefined instead of throwing. */
export function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

/** "10.1.2.3/24": the address as kept, in canonical text. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.ip)}/${cidr.prefix}`;
}

/** The network address (host bits cleared). */
export function networkAddress(cidr: Cidr): IpAddress {
  return { family: cidr.ip.family, value: cidr.ip.value & prefixMask(cidr.ip.family, cidr.prefix) };
}

/** The last address of the prefix (all host bits set). */
export function lastAddress(cidr: Cidr): IpAddress {
  const hostMask = familyMax(cidr.ip.family) ^ prefixMask(cidr.ip.family, cidr.prefix);
  return { family: cidr.ip.family, value: cidr.ip.value | hostMask };
}

/** The same prefix with host bits cleared: "10.1.2.3/24" → "10.1.2.0/24". */
export function cidrNetwork(cidr: Cidr): Cidr {
  return { ip: networkAddress(cidr), prefix: cidr.prefix };
}

/** True when the address has no host bits set. */
export function isNetworkCidr(cidr: Cidr): boolean {
  return networkAddress(cidr).value === cidr.ip.value;
}

/** The IPv4 broadcast address; undefined for IPv6 and for /31 and /32, which have none. */
export function broadcastAddress(cidr: Cidr): IpAddress | undefined {
  if (cidr.ip.family !== 4 || cidr.prefix > 30) return undefined;
  return lastAddress(cidr);
}

/**
 * The first usable host: network+1, except for /31 and /32 (IPv4, RFC 3021) and /127 and
 * /128 (IPv6, RFC 6164), where every address is usable.
 */
export function firstHost(cidr: Cidr): IpAddress {
  const net = networkAddress(cidr);
  if (familyBits(cidr.ip.family) - cidr.prefix <= 1) return net;
  return { family: net.family, value: net.value + 1n };
}

/**
 * The last usable host: the broadcast address minus one for IPv4, the last address for
 * IPv6 (no broadcast), and the last address of /31, /32, /127 and /128.
 */
export function lastHost(cidr: Cidr): IpAddress {
  const last = lastAddress(cidr);
  if (cidr.ip.family === 6 || cidr.prefix > 30) return last;
  return { family: last.family, value: last.value - 1n };
}

/** Number of addresses in the prefix. */
export function prefixSize(cidr: Cidr): bigint {
  return 1n << BigInt(familyBits(cidr.ip.family) - cidr.prefix);
}

/** True when `ip` is inside the prefix (same family; IPv4-mapped IPv6 is not IPv4). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (ip.family !== cidr.ip.family) return false;
  const mask = prefixMask(cidr.ip.family, cidr.prefix);
  return (ip.value & mask) === (cidr.ip.value & mask);
}

/** True when the two prefixes share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.ip.family !== b.ip.family) return false;
  const shorter = a.prefix <= b.prefix ? a : b;
  const longer = shorter === a ? b : a;
  return cidrContains(shorter, longer.ip);
}

/**
 * Ranges and range sets, as host-local defines them. A range is a pool inside one subnet
 * (rangeStart..rangeEnd, inclusive) with a gateway; a range set is a list of disjoint ranges
 * of one family, from which one address is allocated.
 */
import {
  cidrContains,
  compareIp,
  familyBits,
  formatCidr,
  formatIp,
  ipEquals,
  isIpv4Mapped,
  isNetworkCidr,
  lastHost,
  lastAddress,
  networkAddress,
  nextIp,
} from "../../lib/ip/index.ts";
import type { Cidr, IpAddress, IpFamily } from "../../lib/ip/index.ts";
import { field } from "../shared/json.ts";
import type { ConfigReader, JsonObject } from "../shared/json.ts";

export interface Range {
  /** The subnet, host bits cleared. */
  readonly subnet: Cidr;
  readonly rangeStart: IpAddress;
  readonly rangeEnd: IpAddress;
  readonly gateway: IpAddress;
}

export type RangeSet = readonly Range[];

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

/**
 * Validate one range and fill in the defaults like the reference plugin: gateway = network+1,
 * rangeStart = network+1 (the gateway is skipped when allocating), rangeEnd = the last address,
 * minus the broadcast address for IPv4. Subnets smaller than /30 (/126) are rejected.
 */
export function canonicalizeRange(reader: ConfigReader, obj: JsonObject, path: string): Range {
  const rawSubnet = field(obj, "subnet");
  if (!present(rawSubnet)) reader.fail(`${path}.subnet`, "missing");
  const subnet = reader.cidr(rawSubnet, `${path}.subnet`);
  const text = formatCidr(subnet);
  if (isIpv4Mapped(subnet.ip)) reader.fail(`${path}.subnet`, `${text} is an IPv4-mapped IPv6 subnet; write it as IPv4`);
  if (subnet.prefix > familyBits(subnet.ip.family) - 2) reader.fail(`${path}.subnet`, `network ${text} is too small to allocate from`);
  if (!isNetworkCidr(subnet)) {
    reader.fail(`${path}.subnet`, `${text} has host bits set (the network address is ${formatIp(networkAddress(subnet))})`);
  }
  const family = subnet.ip.family;
  const inSubnet = (key: string): IpAddress | undefined => {
    const raw = field(obj, key);
    if (!present(raw)) return undefined;
    const ip = reader.ip(raw, `${path}.${key}`);
    if (ip.family !== family) reader.fail(`${path}.${key}`, `${formatIp(ip)} is not an IPv${family} address like subnet ${text}`);
    if (key !== "gateway" && !cidrContains(subnet, ip)) reader.fail(`${path}.${key}`, `${formatIp(ip)} is not in subnet ${text}`);
    return ip;
  };
  const first = nextIp(subnet.ip) as IpAddress; // the prefix is at most /30 or /126
  const gateway = inSubnet("gateway") ?? first;
  const rangeStart = inSubnet("rangeStart") ?? first;
  const rangeEnd = inSubnet("rangeEnd") ?? (family === 4 ? lastHost(subnet) : lastAddress(subnet));
  if (compareIp(rangeStart, rangeEnd) > 0) {
    reader.fail(`${path}.rangeStart`, `${formatIp(rangeStart)} is after rangeEnd ${formatIp(rangeEnd)}`);
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** True when `ip` lies within rangeStart..rangeEnd. */
export function rangeContains(range: Range, ip: IpAddress): boolean {
  return ip.family === range.rangeStart.family && ip.value >= range.rangeStart.value && ip.value <= range.rangeEnd.value;
}

/** The range of the set that holds `ip`. */
export function rangeFor(set: RangeSet, ip: IpAddress): Range | undefined {
  return set.find((r) => rangeContains(r, ip));
}

export function rangesOverlap(a: Range, b: Range): boolean {
  return (
    a.rangeStart.family === b.rangeStart.family &&
    a.rangeStart.value <= b.rangeEnd.value &&
    b.rangeStart.value <= a.rangeEnd.value
  );
}

export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((s) => rangesOverlap(r, s)));
}

export function rangeSetFamily(set: RangeSet): IpFamily {
  return (set[0] as Range).rangeStart.family;
}

/** True when `ip` is the gateway of the range that holds it. */
export function isGatewayOf(range: Range, ip: IpAddress): boolean {
  return ipEquals(range.gateway, ip);
}

/** "10.1.0.1-10.1.0.254", as the reference prints a range. */
export function formatRange(range: Range): string {
  return `${formatIp(range.rangeStart)}-${formatIp(range.rangeEnd)}`;
}

/** The ranges of a set joined by ",". */
export function formatRangeSet(set: RangeSet): string {
  return set.map(formatRange).join(",");
}

/** Parse one range set (a non-empty array of range objects of one family, disjoint). */
export function readRangeSet(reader: ConfigReader, raw: unknown, path: string): Range[] {
  if (!Array.isArray(raw)) reader.fail(path, "expected an array of ranges");
  if (raw.length === 0) reader.fail(path, "empty range set");
  const set = raw.map((item, j) => canonicalizeRange(reader, reader.element(item, `${path}[${j}]`), `${path}[${j}]`));
  const family = rangeSetFamily(set);
  if (set.some((r) => r.rangeStart.family !== family)) reader.fail(path, "mixed address families");
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      const a = set[i] as Range;
      const b = set[j] as Range;
      if (rangesOverlap(a, b)) reader.fail(path, `ranges ${formatRange(a)} and ${formatRange(b)} overlap`);
    }
  }
  return set;
}

/** For messages: "10.1.0.0/24", or "10.1.0.0/24 (10.1.0.10-10.1.0.20)" when the pool is narrower. */
export function describeRange(range: Range): string {
  const subnet = formatCidr(range.subnet);
  const defaultEnd = range.subnet.ip.family === 4 ? lastHost(range.subnet) : lastAddress(range.subnet);
  const defaultStart = nextIp(range.subnet.ip) as IpAddress;
  if (ipEquals(range.rangeStart, defaultStart) && ipEquals(range.rangeEnd, defaultEnd)) return subnet;
  return `${subnet} (${formatRange(range)})`;
}

/** For messages: "range 10.1.0.0/24" or "ranges 10.1.0.0/24, 10.2.0.0/24". */
export function describeRangeSet(set: RangeSet): string {
  return `${set.length === 1 ? "range" : "ranges"} ${set.map(describeRange).join(", ")}`;
}

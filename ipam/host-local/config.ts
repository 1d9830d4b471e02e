/**
 * host-local configuration: every key of the reference plugin plus berth's `exclude` and
 * `cooldownSeconds`. Parsing is pure and does all validation before any allocation.
 */
import { cidrContains, cidrNetwork, familyBits, formatCidr, formatIp, ipEquals, isNetworkCidr, lastAddress, makeCidr } from "../../lib/ip/index.ts";
import type { Cidr, IpAddress } from "../../lib/ip/index.ts";
import { IpamConfigError } from "../shared/errors.ts";
import { field } from "../shared/json.ts";
import { readNetConfBase, readRoutes, versionAtLeast } from "../shared/netconf.ts";
import type { NetConfBase } from "../shared/netconf.ts";
import type { IpamRoute } from "../shared/types.ts";
import { formatRangeSet, rangeFor, rangeSetFamily, rangeSetsOverlap, readRangeSet } from "./range_set.ts";
import type { Range, RangeSet } from "./range_set.ts";

export const DEFAULT_DATA_DIR = "/var/lib/cni/networks";
export const DEFAULT_COOLDOWN_SECONDS = 30;

/** Where a network's state lives, and how long releases cool down: all DEL, CHECK and GC need. */
export interface HostLocalLocation {
  readonly name: string;
  readonly cniVersion: string;
  readonly dataDir: string;
  readonly cooldownMs: number;
}

export interface HostLocalConfig extends HostLocalLocation {
  readonly rangeSets: readonly RangeSet[];
  /** requested[i]: the address asked for in range set i, if any. */
  readonly requested: readonly (IpAddress | undefined)[];
  readonly routes: IpamRoute[] | undefined;
  readonly resolvConf: string | undefined;
  /** Addresses never handed out (single addresses are /32 or /128). */
  readonly exclude: readonly Cidr[];
  /** Harmless oddities worth logging. */
  readonly warnings: readonly string[];
}

function readCooldownMs(base: NetConfBase): number {
  const seconds = base.reader.number(base.ipam, "cooldownSeconds", "ipam.cooldownSeconds") ?? DEFAULT_COOLDOWN_SECONDS;
  if (seconds < 0) base.reader.fail("ipam.cooldownSeconds", `expected a number of seconds >= 0, got ${seconds}`);
  return Math.round(seconds * 1000);
}

function readLocation(base: NetConfBase, strict: boolean): HostLocalLocation {
  const dataDir = base.reader.string(base.ipam, "dataDir", "ipam.dataDir") || DEFAULT_DATA_DIR;
  let cooldownMs = DEFAULT_COOLDOWN_SECONDS * 1000;
  try {
    cooldownMs = readCooldownMs(base);
  } catch (err) {
    if (strict) throw err;
  }
  return { name: base.name, cniVersion: base.cniVersion, dataDir, cooldownMs };
}

/** The lenient parse used by DEL, CHECK and GC: a broken range list must not block cleanup. */
export function parseHostLocalLocation(config: unknown): HostLocalLocation {
  return readLocation(readNetConfBase(config), false);
}

function readRangeSets(base: NetConfBase): Range[][] {
  const { reader, ipam, root } = base;
  const rc = reader.object(root, "runtimeConfig", "runtimeConfig");
  const runtime = rc && reader.array(rc, "ipRanges", "runtimeConfig.ipRanges");
  // The ipRanges capability replaces the configured ranges (the reference prepends them).
  if (runtime !== undefined && runtime.length > 0) {
    return runtime.map((set, i) => readRangeSet(reader, set, `runtimeConfig.ipRanges[${i}]`));
  }
  const sets: Range[][] = [];
  const legacy = field(ipam, "subnet");
  if (legacy !== undefined && legacy !== null && legacy !== "") sets.push(readRangeSet(reader, [ipam], "ipam"));
  const ranges = reader.array(ipam, "ranges", "ipam.ranges") ?? [];
  ranges.forEach((set, i) => sets.push(readRangeSet(reader, set, `ipam.ranges[${i}]`)));
  return sets;
}

function readExclude(base: NetConfBase): Cidr[] {
  const { reader, ipam } = base;
  const list = reader.array(ipam, "exclude", "ipam.exclude") ?? [];
  return list.map((v, i) => {
    const path = `ipam.exclude[${i}]`;
    if (typeof v === "string" && v.includes("/")) {
      const c = reader.cidr(v, path);
      if (!isNetworkCidr(c)) reader.fail(path, `${formatCidr(c)} has host bits set (did you mean ${formatCidr(cidrNetwork(c))}?)`);
      return c;
    }
    const ip = reader.ip(v, path);
    return makeCidr(ip, familyBits(ip.family));
  });
}

/**
 * Requested addresses: `args.cni.ips` plus `runtimeConfig.ips`, or else CNI_ARGS `IP=` (which
 * may be a comma-separated list). Per the CNI conventions CNI_ARGS is ignored when `args` says
 * the same thing. A prefix ("10.1.0.5/24") is accepted and dropped.
 */
function readRequested(base: NetConfBase, cniArgs: ReadonlyMap<string, string> | undefined): { ip: IpAddress; from: string }[] {
  const { reader, root } = base;
  const out: { ip: IpAddress; from: string }[] = [];
  const add = (list: unknown[] | undefined, path: string): void =>
    list?.forEach((v, i) => out.push({ ip: reader.ipMaybePrefixed(v, `${path}[${i}]`), from: path }));
  const args = reader.object(root, "args", "args");
  const cni = args && reader.object(args, "cni", "args.cni");
  const argsIps = cni && reader.array(cni, "ips", "args.cni.ips");
  add(argsIps, "args.cni.ips");
  const rc = reader.object(root, "runtimeConfig", "runtimeConfig");
  add(rc && reader.array(rc, "ips", "runtimeConfig.ips"), "runtimeConfig.ips");
  const env = cniArgs?.get("IP");
  if (env !== undefined && env !== "" && (argsIps === undefined || argsIps.length === 0)) {
    env.split(",").forEach((part, i) => {
      if (part.trim() !== "") out.push({ ip: reader.ipMaybePrefixed(part.trim(), `CNI_ARGS IP[${i}]`), from: "CNI_ARGS IP" });
    });
  }
  return out.filter((r, i) => out.findIndex((o) => ipEquals(o.ip, r.ip)) === i);
}

/** Parse and validate a full network configuration for host-local ADD and STATUS. */
export function parseHostLocalConfig(config: unknown, cniArgs?: ReadonlyMap<string, string>): HostLocalConfig {
  const base = readNetConfBase(config);
  const { reader, ipam, name } = base;
  const net = JSON.stringify(name);
  const rangeSets = readRangeSets(base);
  if (rangeSets.length === 0) throw new IpamConfigError(`No IP ranges specified for network ${net}`);

  const perFamily = { 4: 0, 6: 0 };
  for (const set of rangeSets) perFamily[rangeSetFamily(set)]++;
  if ((perFamily[4] > 1 || perFamily[6] > 1) && !versionAtLeast(base.cniVersion, "0.3.0")) {
    throw new IpamConfigError(`CNI version ${JSON.stringify(base.cniVersion)} does not support more than one address per family (network ${net})`);
  }
  for (let i = 0; i < rangeSets.length; i++) {
    for (let j = i + 1; j < rangeSets.length; j++) {
      if (rangeSetsOverlap(rangeSets[i] as RangeSet, rangeSets[j] as RangeSet)) {
        throw new IpamConfigError(`Range set ${i} overlaps with range set ${j} in network ${net}`);
      }
    }
  }

  const exclude = readExclude(base);
  const warnings: string[] = [];
  for (const c of exclude) {
    const lo = c.ip.value;
    const hi = lastAddress(c).value;
    const touches = rangeSets.some((set) =>
      set.some((r) => r.rangeStart.family === c.ip.family && lo <= r.rangeEnd.value && r.rangeStart.value <= hi),
    );
    if (!touches) warnings.push(`Excluded ${formatCidr(c)} lies outside every range of network ${net}`);
  }

  const requested: (IpAddress | undefined)[] = rangeSets.map(() => undefined);
  for (const { ip, from } of readRequested(base, cniArgs)) {
    const text = formatIp(ip);
    const index = rangeSets.findIndex((set) => rangeFor(set, ip) !== undefined);
    if (index < 0) throw new IpamConfigError(`Requested address ${text} (${from}) is not in any range of network ${net}`);
    const set = rangeSets[index] as RangeSet;
    const range = rangeFor(set, ip) as Range;
    const other = requested[index];
    if (other !== undefined) {
      throw new IpamConfigError(
        `Requested addresses ${formatIp(other)} and ${text} are both in range set ${formatRangeSet(set)} of network ${net}; one address is allocated per range set`,
      );
    }
    if (ipEquals(range.gateway, ip)) throw new IpamConfigError(`Requested address ${text} is the gateway of range set ${formatRangeSet(set)} in network ${net}`);
    if (exclude.some((c) => cidrContains(c, ip))) throw new IpamConfigError(`Requested address ${text} is excluded in network ${net}`);
    requested[index] = ip;
  }

  return {
    ...readLocation(base, true),
    rangeSets,
    requested,
    routes: readRoutes(reader, ipam),
    resolvConf: reader.string(ipam, "resolvConf", "ipam.resolvConf") || undefined,
    exclude,
    warnings,
  };
}

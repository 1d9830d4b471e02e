/**
 * Automatic subnets: the first subnet of the configured pools that overlaps nothing in use.
 * Pure: the caller gathers what is in use (host addresses, routes of every table, nameservers,
 * subnets of other networks) and logs the rejections this returns.
 */
import { cidrsOverlap, formatCidr, makeCidr, networkAddress, addToIp, parseCidr, type Cidr } from "../../lib/ip/index.ts";

/** A pool: `base` carved into subnets of prefix length `size` (Docker's default-address-pools). */
export interface PoolSpec {
  base: string;
  size: number;
}

/** Docker's defaults: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS_V4: readonly PoolSpec[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: "192.168.0.0/16", size: 20 },
];

/** IPv6: a unique local (RFC 4193) /48 of berth's, carved into /64s. */
export const DEFAULT_POOLS_V6: readonly PoolSpec[] = [{ base: "fd7b:e27f:0c1a::/48", size: 64 }];

/** Something a candidate must not overlap, and why it is there (for the log). */
export interface InUse {
  cidr: Cidr;
  reason: string;
}

export interface Rejection {
  subnet: string;
  reason: string;
}

export interface Choice {
  subnet: Cidr | undefined;
  rejected: Rejection[];
}

/** Validate pool specs (from a config) and return them parsed; throws naming the bad pool. */
export function parsePools(pools: readonly PoolSpec[], prefixOverride?: number): { base: Cidr; size: number }[] {
  return pools.map((p) => {
    const base = parseCidr(p.base);
    const bits = base.ip.family === 4 ? 32 : 128;
    const size = Math.max(prefixOverride ?? p.size, p.size);
    if (!Number.isInteger(size) || size < base.prefix || size > bits) {
      throw new RangeError(`Invalid address pool ${JSON.stringify(p)}: size must be between ${base.prefix} and ${bits}`);
    }
    return { base: makeCidr(networkAddress(base), base.prefix), size };
  });
}

/** Subnets of one pool in address order, produced lazily (a /8 in /24s is 65536 of them). */
export function* poolSubnets(base: Cidr, size: number): Generator<Cidr> {
  const bits = base.ip.family === 4 ? 32 : 128;
  const step = 1n << BigInt(bits - size);
  const count = 1n << BigInt(size - base.prefix);
  let ip = networkAddress(base);
  for (let i = 0n; i < count; i++) {
    yield makeCidr(ip, size);
    const next = addToIp(ip, step);
    if (next === undefined) return;
    ip = next;
  }
}

/**
 * The first candidate overlapping nothing in `inUse`. Every rejected candidate is reported with
 * the first thing it collided with. Rejections are capped so a huge pool cannot flood the log.
 */
export function chooseSubnet(
  pools: readonly { base: Cidr; size: number }[],
  inUse: readonly InUse[],
  maxRejections = 64,
): Choice {
  const rejected: Rejection[] = [];
  for (const pool of pools) {
    for (const candidate of poolSubnets(pool.base, pool.size)) {
      const hit = inUse.find((u) => u.cidr.ip.family === candidate.ip.family && cidrsOverlap(u.cidr, candidate));
      if (hit === undefined) return { subnet: candidate, rejected };
      if (rejected.length < maxRejections) {
        rejected.push({ subnet: formatCidr(candidate), reason: `overlaps ${formatCidr(hit.cidr)} (${hit.reason})` });
      }
    }
  }
  return { subnet: undefined, rejected };
}

/**
 * The allocation policy, pure over a StoreTx: one address per range set, round-robin from the
 * last reserved address like the reference plugin, never the gateway or an excluded address,
 * and a cool-down that keeps a just-released address out of circulation unless nothing else
 * is free. A repeated ADD for the same attachment gets its existing addresses back.
 */
import { formatIp, ipEquals, lastAddress, networkAddress } from "../../lib/ip/index.ts";
import type { Cidr, IpAddress } from "../../lib/ip/index.ts";
import { IpamCode, IpamError } from "../shared/errors.ts";
import { describeRangeSet, formatRangeSet, rangeFor } from "./range_set.ts";
import type { Range, RangeSet } from "./range_set.ts";
import type { Owner, StoreTx } from "./store.ts";

export interface AllocationPolicy {
  readonly network: string;
  readonly rangeSets: readonly RangeSet[];
  readonly exclude: readonly Cidr[];
  readonly cooldownMs: number;
}

export interface Allocation {
  readonly ip: IpAddress;
  readonly range: Range;
  readonly rangeSetIndex: number;
  /** Held before this call (a repeated ADD). */
  readonly existing: boolean;
  /** Taken while still cooling down, because nothing else was free. */
  readonly cooling: boolean;
}

/** Closed intervals [lo, hi] of excluded addresses within one range, merged and sorted. */
function excludedIntervals(range: Range, exclude: readonly Cidr[]): [bigint, bigint][] {
  const lo = range.rangeStart.value;
  const hi = range.rangeEnd.value;
  const parts = exclude
    .filter((c) => c.ip.family === range.rangeStart.family)
    .map((c): [bigint, bigint] => {
      const a = networkAddress(c).value;
      const b = lastAddress(c).value;
      return [a > lo ? a : lo, b < hi ? b : hi];
    })
    .filter(([a, b]) => a <= b)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [a, b] of parts) {
    const last = merged[merged.length - 1];
    if (last !== undefined && a <= last[1] + 1n) {
      if (b > last[1]) last[1] = b;
    } else merged.push([a, b]);
  }
  return merged;
}

/** The end of the excluded interval holding `value`, if any. */
function excludedUntil(intervals: readonly [bigint, bigint][], value: bigint): bigint | undefined {
  for (const [a, b] of intervals) if (value >= a && value <= b) return b;
  return undefined;
}

function ownerText(o: { containerId: string; ifname: string | undefined }, capital = false): string {
  return `${capital ? "Container" : "container"} ${JSON.stringify(o.containerId)}${o.ifname === undefined ? "" : ` interface ${JSON.stringify(o.ifname)}`}`;
}

/** Walk the set round-robin from after the last reserved address and reserve the first free one. */
function allocateNext(tx: StoreTx, policy: AllocationPolicy, index: number, owner: Owner, now: number): Allocation {
  const set = policy.rangeSets[index] as RangeSet;
  const excluded = set.map((r) => excludedIntervals(r, policy.exclude));
  let total = 0n;
  for (const r of set) total += r.rangeEnd.value - r.rangeStart.value + 1n;

  // Start just after the last reserved address when it is in this set, else at the first rangeStart.
  let ri = 0;
  let value = (set[0] as Range).rangeStart.value;
  const last = tx.lastReserved(index);
  const lastRange = last && rangeFor(set, last);
  if (last !== undefined && lastRange !== undefined) {
    ri = set.indexOf(lastRange);
    value = last.value;
    [ri, value] = step(set, ri, value);
  }

  let fallback: { ip: IpAddress; range: Range; at: number } | undefined;
  let remaining = total;
  while (remaining > 0n) {
    const range = set[ri] as Range;
    const skipTo = excludedUntil(excluded[ri] as [bigint, bigint][], value);
    if (skipTo !== undefined) {
      remaining -= skipTo - value + 1n;
      [ri, value] = step(set, ri, skipTo);
      continue;
    }
    remaining -= 1n;
    const ip: IpAddress = { family: range.rangeStart.family, value };
    [ri, value] = step(set, ri, value);
    if (ipEquals(ip, range.gateway) || tx.get(ip) !== undefined) continue;
    const at = tx.releasedAt(ip);
    if (at !== undefined && now - at < policy.cooldownMs) {
      if (fallback === undefined || at < fallback.at) fallback = { ip, range, at };
      continue;
    }
    if (tx.reserve(ip, owner, index)) return { ip, range, rangeSetIndex: index, existing: false, cooling: false };
  }
  if (fallback !== undefined && tx.reserve(fallback.ip, owner, index)) {
    return { ip: fallback.ip, range: fallback.range, rangeSetIndex: index, existing: false, cooling: true };
  }
  throw new IpamError(IpamCode.addressUnavailable, `No free address in ${describeRangeSet(set)} for network ${JSON.stringify(policy.network)}`);
}

/** The position after (ri, value): the next address, or the next range's start (wrapping). */
function step(set: RangeSet, ri: number, value: bigint): [number, bigint] {
  const range = set[ri] as Range;
  if (value < range.rangeEnd.value) return [ri, value + 1n];
  const next = (ri + 1) % set.length;
  return [next, (set[next] as Range).rangeStart.value];
}

function allocateInSet(
  tx: StoreTx,
  policy: AllocationPolicy,
  index: number,
  owner: Owner,
  requested: IpAddress | undefined,
  now: number,
): Allocation {
  const set = policy.rangeSets[index] as RangeSet;
  const mine = tx.findByOwner(owner).filter((r) => rangeFor(set, r.ip) !== undefined);
  const held = mine[0];
  if (held !== undefined) {
    if (requested !== undefined && !mine.some((r) => ipEquals(r.ip, requested))) {
      throw new IpamError(
        IpamCode.addressUnavailable,
        `${ownerText(owner, true)} already holds ${formatIp(held.ip)} in range set ${formatRangeSet(set)} of network ${JSON.stringify(policy.network)}; cannot also take requested ${formatIp(requested)}`,
      );
    }
    const ip = requested ?? held.ip;
    return { ip, range: rangeFor(set, ip) as Range, rangeSetIndex: index, existing: true, cooling: false };
  }
  if (requested === undefined) return allocateNext(tx, policy, index, owner, now);
  const range = rangeFor(set, requested);
  if (range === undefined) {
    throw new IpamError(IpamCode.addressUnavailable, `Requested address ${formatIp(requested)} is not in range set ${formatRangeSet(set)} of network ${JSON.stringify(policy.network)}`);
  }
  const holder = tx.get(requested);
  if (holder !== undefined || !tx.reserve(requested, owner, index)) {
    const by = holder === undefined ? "" : ` by ${ownerText(holder)}`;
    throw new IpamError(IpamCode.addressUnavailable, `Requested address ${formatIp(requested)} is already reserved${by} in network ${JSON.stringify(policy.network)}`);
  }
  return { ip: requested, range, rangeSetIndex: index, existing: false, cooling: false };
}

/**
 * One address per range set for `owner`. `requested[i]` asks for a specific address in set i.
 * If any set fails, the addresses reserved by this call are released again (without cool-down).
 */
export function allocate(
  tx: StoreTx,
  policy: AllocationPolicy,
  owner: Owner,
  requested: readonly (IpAddress | undefined)[],
  now: number,
): Allocation[] {
  const done: Allocation[] = [];
  try {
    for (let i = 0; i < policy.rangeSets.length; i++) done.push(allocateInSet(tx, policy, i, owner, requested[i], now));
  } catch (err) {
    for (const a of done) if (!a.existing) tx.release(a.ip, false);
    throw err;
  }
  return done;
}

/** Release what `owner` holds; falls back to legacy container-only reservations like the reference. */
export function releaseOwner(tx: StoreTx, owner: Owner): IpAddress[] {
  let held = tx.findByOwner(owner);
  if (held.length === 0) held = tx.findLegacy(owner.containerId);
  return held.filter((r) => tx.release(r.ip)).map((r) => r.ip);
}

/** How many addresses of range set `index` are neither reserved, excluded nor a gateway. */
export function freeAddressCount(tx: StoreTx, policy: AllocationPolicy, index: number): bigint {
  const set = policy.rangeSets[index] as RangeSet;
  const reservations = tx.list();
  let free = 0n;
  for (const range of set) {
    const excluded = excludedIntervals(range, policy.exclude);
    const isOut = (ip: IpAddress): boolean => excludedUntil(excluded, ip.value) !== undefined;
    free += range.rangeEnd.value - range.rangeStart.value + 1n;
    for (const [a, b] of excluded) free -= b - a + 1n;
    const gatewayCounts = rangeFor([range], range.gateway) !== undefined && !isOut(range.gateway);
    if (gatewayCounts) free -= 1n;
    for (const r of reservations) {
      if (rangeFor([range], r.ip) !== undefined && !isOut(r.ip) && !(gatewayCounts && ipEquals(r.ip, range.gateway))) free -= 1n;
    }
  }
  return free;
}

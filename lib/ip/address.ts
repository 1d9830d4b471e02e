/**
 * IP addresses as plain values: a family and a BigInt. Parsing is strict (no IPv4 leading
 * zeros, no zone ids, no whitespace); formatting is canonical (RFC 5952 for IPv6).
 * Pure: no I/O, no imports.
 */

export type IpFamily = 4 | 6;

/** An IPv4 or IPv6 address. `value` is the address as an unsigned integer. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** Thrown for text that is not an address, prefix or MAC in the accepted syntax. */
export class IpParseError extends TypeError {
  readonly input: string;
  readonly reason: string;
  constructor(what: string, input: string, reason: string, options?: { cause?: unknown }) {
    super(`Invalid ${what} ${JSON.stringify(input)}: ${reason}`, options);
    this.name = "IpParseError";
    this.input = input;
    this.reason = reason;
  }
}

/** Number of bits in an address of this family. */
export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** The largest address value of this family. */
export function familyMax(family: IpFamily): bigint {
  return family === 4 ? 0xffff_ffffn : (1n << 128n) - 1n;
}

/** Build an address from an integer; throws RangeError when out of the family's range. */
export function ipFromValue(family: IpFamily, value: bigint): IpAddress {
  if (value < 0n || value > familyMax(family)) {
    throw new RangeError(`Value ${value} is outside the IPv${family} address space`);
  }
  return { family, value };
}

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4Value(text: string, input: string): bigint {
  const parts = text.split(".");
  if (parts.length !== 4) throw new IpParseError("IPv4 address", input, "expected four dotted decimal parts");
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) throw new IpParseError("IPv4 address", input, `bad part ${JSON.stringify(part)}`);
    if (part.length > 1 && part.startsWith("0")) {
      throw new IpParseError("IPv4 address", input, "leading zeros are not allowed");
    }
    const n = Number(part);
    if (n > 255) throw new IpParseError("IPv4 address", input, `part ${part} is larger than 255`);
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6Groups(text: string, input: string, allowIpv4Tail: boolean): number[] {
  if (text === "") return [];
  const groups: number[] = [];
  const parts = text.split(":");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (allowIpv4Tail && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4Value(part, input);
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) {
      throw new IpParseError("IPv6 address", input, `bad group ${JSON.stringify(part)}`);
    }
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIpv6Value(text: string): bigint {
  if (text.includes("%")) throw new IpParseError("IPv6 address", text, "zone ids are not allowed");
  const halves = text.split("::");
  if (halves.length > 2) throw new IpParseError("IPv6 address", text, "more than one \"::\"");
  let groups: number[];
  if (halves.length === 2) {
    const head = parseIpv6Groups(halves[0] as string, text, false);
    const tail = parseIpv6Groups(halves[1] as string, text, true);
    const missing = 8 - head.length - tail.length;
    if (missing < 1) throw new IpParseError("IPv6 address", text, "too many groups");
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = parseIpv6Groups(text, text, true);
    if (groups.length !== 8) throw new IpParseError("IPv6 address", text, "expected eight groups");
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/**
 * Parse an IPv4 or IPv6 address. `::ffff:a.b.c.d` stays an IPv6 address (see unmapIp);
 * IPv4 parts with leading zeros, zone ids (`fe80::1%eth0`) and whitespace are rejected.
 */
export function parseIp(text: string): IpAddress {
  if (typeof text !== "string" || text === "") throw new IpParseError("IP address", String(text), "empty");
  if (text.includes(":")) return { family: 6, value: parseIpv6Value(text) };
  return { family: 4, value: parseIpv4Value(text, text) };
}

/** parseIp that returns undefined instead of throwing. */
export function tryParseIp(text: string): IpAddress | undefined {
  try {
    return parseIp(text);
  } catch {
    return undefined;
  }
}

/** True for `::ffff:a.b.c.d`. */
export function isIpv4Mapped(ip: IpAddress): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/** `::ffff:a.b.c.d` becomes `a.b.c.d`; anything else is returned unchanged. */
export function unmapIp(ip: IpAddress): IpAddress {
  return isIpv4Mapped(ip) ? { family: 4, value: ip.value & 0xffff_ffffn } : ip;
}

/** `a.b.c.d` becomes `::ffff:a.b.c.d`; IPv6 is returned unchanged. */
export function mapIpv4(ip: IpAddress): IpAddress {
  return ip.family === 4 ? { family: 6, value: IPV4_MAPPED_PREFIX | ip.value } : ip;
}

function formatIpv4Value(value: bigint): string {
  const n = Number(value);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Canonical text: dotted decimal, or RFC 5952 (lowercase, longest zero run as "::"). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return formatIpv4Value(ip.value);
  if (isIpv4Mapped(ip)) return `::ffff:${formatIpv4Value(ip.value & 0xffff_ffffn)}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  // Longest run of two or more zero groups; the first one wins a tie (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Order by family (IPv4 first), then by value: negative, zero or positive. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** `ip + offset`, or undefined when the result leaves the family's address space. */
export function addToIp(ip: IpAddress, offset: bigint | number): IpAddress | undefined {
  const value = ip.value + BigInt(offset);
  if (value < 0n || value > familyMax(ip.family)) return undefined;
  return { family: ip.family, value };
}

/** The next address, or undefined after the last one of the family. */
export function nextIp(ip: IpAddress): IpAddress | undefined {
  return addToIp(ip, 1n);
}

/** The previous address, or undefined before the first one of the family. */
export function prevIp(ip: IpAddress): IpAddress | undefined {
  return addToIp(ip, -1n);
}

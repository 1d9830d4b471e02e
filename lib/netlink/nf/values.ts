/**
 * Values of nftables set keys and map data, in nft's register layout. Pure.
 *
 * A value of one field is that field's bytes, unpadded (the set's key length is the field's
 * length: 2 for an inet_service set). A concatenation (`inet_proto . ipv4_addr . inet_service`)
 * puts each field in a whole number of 4-byte registers, zero-padded: 4 + 4 + 4 bytes there.
 * Addresses and ports are in network byte order, marks in host order (as nft sends them).
 */
import { formatIp, formatMac, parseIp, parseMac } from "../../ip/index.ts";
import { ipBytes, ipFromBytes } from "../wire/index.ts";
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from "./constants.ts";

/** One field of a (possibly concatenated) key or data value. */
export type NftField =
  | { type: "ipv4_addr"; value: string }
  | { type: "ipv6_addr"; value: string }
  /** A port, 2 bytes big-endian. */
  | { type: "inet_service"; value: number }
  /** An IP protocol, 1 byte; tcp, udp and sctp by name. */
  | { type: "inet_proto"; value: "tcp" | "udp" | "sctp" | number }
  /** An interface name, 16 bytes NUL-padded. */
  | { type: "ifname"; value: string }
  /** A packet mark, 4 bytes in host byte order. */
  | { type: "mark"; value: number }
  /** A MAC address, 6 bytes. */
  | { type: "ether_addr"; value: string };

export type NftFieldType = NftField["type"];

/** Bytes of each field type (before padding). */
export const FIELD_SIZE: Readonly<Record<NftFieldType, number>> = {
  ipv4_addr: 4,
  ipv6_addr: 16,
  inet_service: 2,
  inet_proto: 1,
  ifname: 16,
  mark: 4,
  ether_addr: 6,
};

const PROTO_NUMBERS: Readonly<Record<"tcp" | "udp" | "sctp", number>> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const PROTO_NAMES = new Map<number, "tcp" | "udp" | "sctp">([
  [IPPROTO_TCP, "tcp"],
  [IPPROTO_UDP, "udp"],
  [IPPROTO_SCTP, "sctp"],
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Raised for a value that does not fit its type (a bad address, a port above 65535...). */
export class NftValueError extends TypeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NftValueError";
  }
}

function describe(f: NftField): string {
  return `${f.type} ${JSON.stringify(f.value)}`;
}

function checkUint(f: NftField, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new NftValueError(`Invalid ${describe(f)}: not an integer in 0..${max}`);
  return value;
}

function address(f: NftField & { value: string }, family: 4 | 6): Uint8Array {
  let ip;
  try {
    ip = parseIp(f.value);
  } catch (err) {
    throw new NftValueError(`Invalid ${describe(f)}`, { cause: err });
  }
  if (ip.family !== family) throw new NftValueError(`Invalid ${describe(f)}: not an IPv${family} address`);
  return ipBytes(ip);
}

/** The bytes of one field, unpadded. */
export function encodeField(f: NftField): Uint8Array {
  switch (f.type) {
    case "ipv4_addr":
      return address(f, 4);
    case "ipv6_addr":
      return address(f, 6);
    case "inet_service": {
      const out = new Uint8Array(2);
      new DataView(out.buffer).setUint16(0, checkUint(f, f.value, 0xffff), false);
      return out;
    }
    case "inet_proto":
      return Uint8Array.of(typeof f.value === "number" ? checkUint(f, f.value, 0xff) : PROTO_NUMBERS[f.value]);
    case "ifname": {
      const name = encoder.encode(f.value);
      if (name.length === 0 || name.length > 15 || name.includes(0)) throw new NftValueError(`Invalid ${describe(f)}: an interface name has 1 to 15 bytes`);
      const out = new Uint8Array(16);
      out.set(name);
      return out;
    }
    case "mark": {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, checkUint(f, f.value, 0xffff_ffff), true);
      return out;
    }
    case "ether_addr":
      try {
        return parseMac(f.value);
      } catch (err) {
        throw new NftValueError(`Invalid ${describe(f)}`, { cause: err });
      }
  }
}

/** The field of type `type` held in `bytes` (exactly its size). */
export function decodeField(type: NftFieldType, bytes: Uint8Array): NftField {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "ipv4_addr":
      return { type, value: formatIp(ipFromBytes(bytes)) };
    case "ipv6_addr":
      return { type, value: formatIp(ipFromBytes(bytes)) };
    case "inet_service":
      return { type, value: view.getUint16(0, false) };
    case "inet_proto": {
      const n = view.getUint8(0);
      return { type, value: PROTO_NAMES.get(n) ?? n };
    }
    case "ifname": {
      const nul = bytes.indexOf(0);
      return { type, value: decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul)) };
    }
    case "mark":
      return { type, value: view.getUint32(0, true) };
    case "ether_addr":
      return { type, value: formatMac(bytes) };
  }
}

/** The space a field takes in a value of `count` fields: its size, or 4-byte registers in a concatenation. */
function slot(type: NftFieldType, count: number): number {
  const size = FIELD_SIZE[type];
  return count === 1 ? size : (size + 3) & ~3;
}

/** Length in bytes of a value made of these field types. */
export function nftValueLength(types: readonly NftFieldType[]): number {
  return types.reduce((sum, t) => sum + slot(t, types.length), 0);
}

/** Encode a key or data value: one field as is, a concatenation with each field padded to 4 bytes. */
export function encodeNftValue(fields: readonly NftField[]): Uint8Array {
  if (fields.length === 0) throw new NftValueError("A value needs at least one field");
  const out = new Uint8Array(nftValueLength(fields.map((f) => f.type)));
  let pos = 0;
  for (const f of fields) {
    out.set(encodeField(f), pos);
    pos += slot(f.type, fields.length);
  }
  return out;
}

/** Decode a value made of fields of these types (the inverse of {@link encodeNftValue}). */
export function decodeNftValue(bytes: Uint8Array, types: readonly NftFieldType[]): NftField[] {
  const want = nftValueLength(types);
  if (bytes.length !== want) {
    throw new NftValueError(`A value of type ${types.join(" . ")} has ${want} bytes, not ${bytes.length}`);
  }
  const out: NftField[] = [];
  let pos = 0;
  for (const t of types) {
    out.push(decodeField(t, bytes.subarray(pos, pos + FIELD_SIZE[t])));
    pos += slot(t, types.length);
  }
  return out;
}

/** `tcp . 10.0.0.1 . 8080`: a value in nft's syntax, for messages. */
export function formatNftValue(fields: readonly NftField[]): string {
  return fields.map((f) => (f.type === "ifname" ? JSON.stringify(f.value) : String(f.value))).join(" . ");
}

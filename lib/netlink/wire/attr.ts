/**
 * Netlink attributes (struct nlattr): a tree builder and a strict parser.
 *
 *   struct nlattr { __u16 nla_len; __u16 nla_type; }   then the payload, padded to 4 bytes.
 *
 * nla_len counts the 4-byte header and the payload but not the trailing padding. A nest's
 * payload is its children, each padded; a struct-prefixed nest (VETH_INFO_PEER) carries a
 * fixed C struct before its children. Integers are in host byte order (little-endian on
 * every machine berth targets) unless marked NLA_F_NET_BYTEORDER.
 */
import { formatIp, type IpAddress } from "../../ip/index.ts";
import { NLA_ALIGNTO, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";

/** Round up to the 4-byte attribute alignment. */
export function nlaAlign(len: number): number {
  return (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

/** An attribute to encode: a leaf with bytes, or a nest of children. */
export type Attr = LeafAttr | NestAttr;

export interface LeafAttr {
  readonly type: number;
  /** Extra flag bits for nla_type, e.g. NLA_F_NET_BYTEORDER. */
  readonly flags: number;
  readonly data: Uint8Array;
}

export interface NestAttr {
  readonly type: number;
  /** NLA_F_NESTED for ordinary nests; 0 for struct-prefixed ones. */
  readonly flags: number;
  /** A fixed struct that precedes the children (padded to 4 bytes), e.g. an ifinfomsg. */
  readonly header?: Uint8Array;
  readonly children: readonly Attr[];
}

export function isNest(a: Attr): a is NestAttr {
  return "children" in a;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkType(type: number): number {
  if (!Number.isInteger(type) || type < 0 || type > NLA_TYPE_MASK) {
    throw new RangeError(`Attribute type ${type} is outside 0..${NLA_TYPE_MASK}`);
  }
  return type;
}

function leaf(type: number, data: Uint8Array, flags = 0): LeafAttr {
  return { type: checkType(type), flags, data };
}

function intBytes(size: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return bytes;
}

function checkInt(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Value ${value} does not fit in ${what}`);
  }
  return value;
}

/** Builders for attributes; each returns an {@link Attr} for {@link encodeAttrs}. */
export const attr = {
  u8: (type: number, v: number): Attr => leaf(type, Uint8Array.of(checkInt(v, 0xff, "a u8"))),
  u16: (type: number, v: number): Attr =>
    leaf(type, intBytes(2, (d) => d.setUint16(0, checkInt(v, 0xffff, "a u16"), true))),
  u32: (type: number, v: number): Attr =>
    leaf(type, intBytes(4, (d) => d.setUint32(0, checkInt(v, 0xffff_ffff, "a u32"), true))),
  s32: (type: number, v: number): Attr => {
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new RangeError(`Value ${v} does not fit in an s32`);
    return leaf(type, intBytes(4, (d) => d.setInt32(0, v, true)));
  },
  u64: (type: number, v: bigint): Attr => {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`Value ${v} does not fit in a u64`);
    return leaf(type, intBytes(8, (d) => d.setBigUint64(0, v, true)));
  },
  /**
   * A 16-bit value in network byte order (IFLA_VXLAN_PORT, IFLA_BR_VLAN_PROTOCOL). Sent without
   * the NLA_F_NET_BYTEORDER flag, as iproute2 does: the kernel's policy already knows the order.
   */
  be16: (type: number, v: number): Attr => leaf(type, intBytes(2, (d) => d.setUint16(0, checkInt(v, 0xffff, "a u16"), false))),
  /** A NUL-terminated string. */
  str: (type: number, s: string): Attr => {
    const bytes = encoder.encode(s);
    if (bytes.includes(0)) throw new TypeError(`String attribute ${JSON.stringify(s)} contains a NUL byte`);
    const out = new Uint8Array(bytes.length + 1);
    out.set(bytes);
    return leaf(type, out);
  },
  bytes: (type: number, data: Uint8Array): Attr => leaf(type, data),
  /** An empty attribute whose presence is the value (NLA_FLAG). */
  flag: (type: number): Attr => leaf(type, new Uint8Array(0)),
  /** An address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
  ip: (type: number, ip: IpAddress): Attr => leaf(type, ipBytes(ip)),
  /** A link-layer address (6 bytes for Ethernet). */
  mac: (type: number, mac: Uint8Array): Attr => leaf(type, Uint8Array.from(mac)),
  /** A nest of children (flagged NLA_F_NESTED). */
  nest: (type: number, children: readonly Attr[]): Attr => ({ type: checkType(type), flags: NLA_F_NESTED, children }),
  /** A nest that starts with a fixed struct, as VETH_INFO_PEER does with an ifinfomsg. */
  structNest: (type: number, header: Uint8Array, children: readonly Attr[]): Attr => ({
    type: checkType(type),
    flags: 0,
    header,
    children,
  }),
};

/** The 4 or 16 bytes of an address, most significant first. */
export function ipBytes(ip: IpAddress): Uint8Array {
  const n = ip.family === 4 ? 4 : 16;
  const out = new Uint8Array(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The address held in 4 or 16 bytes. */
export function ipFromBytes(data: Uint8Array): IpAddress {
  if (data.length !== 4 && data.length !== 16) {
    throw new NetlinkParseError(`An IP address attribute has 4 or 16 bytes, not ${data.length}`);
  }
  let value = 0n;
  for (const b of data) value = (value << 8n) | BigInt(b);
  return { family: data.length === 4 ? 4 : 6, value };
}

/** Bytes as lowercase colon-separated hex ("aa:bb:cc:dd:ee:ff"); "" for none. */
export function formatHwAddr(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Encoded length of one attribute, without its trailing padding (its nla_len). */
export function attrLength(a: Attr): number {
  if (!isNest(a)) return NLA_HDRLEN + a.data.length;
  let len = NLA_HDRLEN + nlaAlign(a.header?.length ?? 0);
  for (const c of a.children) len += nlaAlign(attrLength(c));
  return len;
}

function writeAttr(a: Attr, out: Uint8Array, view: DataView, offset: number): number {
  const len = attrLength(a);
  if (len > 0xffff) throw new RangeError(`Attribute ${a.type} is ${len} bytes, more than nla_len can hold`);
  view.setUint16(offset, len, true);
  view.setUint16(offset + 2, a.type | a.flags, true);
  let pos = offset + NLA_HDRLEN;
  if (!isNest(a)) {
    out.set(a.data, pos);
  } else {
    if (a.header) {
      out.set(a.header, pos);
      pos += nlaAlign(a.header.length);
    }
    for (const c of a.children) pos = writeAttr(c, out, view, pos);
  }
  return offset + nlaAlign(len);
}

/** Encode a list of attributes, each padded to 4 bytes. Padding bytes are zero. */
export function encodeAttrs(attrs: readonly Attr[]): Uint8Array {
  let total = 0;
  for (const a of attrs) total += nlaAlign(attrLength(a));
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const a of attrs) pos = writeAttr(a, out, view, pos);
  return out;
}

/** One attribute as received: the type with flag bits masked off, the flags, and the payload. */
export interface RawAttr {
  readonly type: number;
  readonly nested: boolean;
  readonly netByteOrder: boolean;
  readonly data: Uint8Array;
}

/**
 * Split a buffer into attributes. A header that does not fit, an nla_len below 4 or one
 * that runs past the buffer is an error, never silently dropped. The last attribute's
 * padding may be missing (the buffer may end right after its payload).
 */
export function parseAttrs(buf: Uint8Array): RawAttr[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RawAttr[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < NLA_HDRLEN) {
      throw new NetlinkParseError(`Truncated attribute: ${buf.length - pos} bytes left at offset ${pos}, a header needs 4`);
    }
    const len = view.getUint16(pos, true);
    const rawType = view.getUint16(pos + 2, true);
    if (len < NLA_HDRLEN) throw new NetlinkParseError(`Malformed attribute type ${rawType & NLA_TYPE_MASK} at offset ${pos}: nla_len ${len} is below 4`);
    if (len > buf.length - pos) {
      throw new NetlinkParseError(
        `Truncated attribute type ${rawType & NLA_TYPE_MASK} at offset ${pos}: nla_len ${len} but ${buf.length - pos} bytes left`,
      );
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(pos + NLA_HDRLEN, pos + len),
    });
    pos = Math.min(pos + nlaAlign(len), buf.length);
  }
  return out;
}

function need(data: Uint8Array, size: number, type: number, what: string): DataView {
  if (data.length < size) throw new NetlinkParseError(`Attribute type ${type} is too short for ${what}: ${data.length} bytes`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Typed read access to a parsed attribute list. Getters return undefined for an absent
 * attribute and throw NetlinkParseError for one too short for its type. When a type repeats,
 * the last one wins (as in the kernel's nla_parse); `all` returns every occurrence.
 */
export class AttrSet {
  readonly list: readonly RawAttr[];
  readonly #byType = new Map<number, RawAttr>();

  constructor(list: readonly RawAttr[]) {
    this.list = list;
    for (const a of list) this.#byType.set(a.type, a);
  }

  static parse(buf: Uint8Array): AttrSet {
    return new AttrSet(parseAttrs(buf));
  }

  has(type: number): boolean {
    return this.#byType.has(type);
  }

  get(type: number): Uint8Array | undefined {
    return this.#byType.get(type)?.data;
  }

  all(type: number): Uint8Array[] {
    return this.list.filter((a) => a.type === type).map((a) => a.data);
  }

  u8(type: number): number | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 1, type, "a u8").getUint8(0);
  }

  u16(type: number): number | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 2, type, "a u16").getUint16(0, true);
  }

  /** A 16-bit value in network byte order. */
  be16(type: number): number | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 2, type, "a u16").getUint16(0, false);
  }

  u32(type: number): number | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 4, type, "a u32").getUint32(0, true);
  }

  s32(type: number): number | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 4, type, "an s32").getInt32(0, true);
  }

  u64(type: number): bigint | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : need(d, 8, type, "a u64").getBigUint64(0, true);
  }

  /** A string up to its first NUL (or the end of the payload when there is none). */
  str(type: number): string | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return decoder.decode(nul < 0 ? d : d.subarray(0, nul));
  }

  ip(type: number): IpAddress | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : ipFromBytes(d);
  }

  /** An address in canonical text ("10.0.0.1", "fe80::1"). */
  ipText(type: number): string | undefined {
    const ip = this.ip(type);
    return ip === undefined ? undefined : formatIp(ip);
  }

  /** A link-layer address as lowercase colon-separated hex. */
  mac(type: number): string | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : formatHwAddr(d);
  }

  /** The children of a nest (whether or not the sender set NLA_F_NESTED). */
  nested(type: number): AttrSet | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : AttrSet.parse(d);
  }
}

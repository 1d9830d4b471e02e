/**
 * ctnetlink on the wire: the dump request, a conntrack entry decoded from IPCTNL_MSG_CT_NEW,
 * and the IPCTNL_MSG_CT_DELETE that removes one entry by its original tuple. Pure.
 *
 *   CTA_TUPLE_ORIG { CTA_TUPLE_IP { CTA_IP_V4_SRC, CTA_IP_V4_DST | CTA_IP_V6_* },
 *                    CTA_TUPLE_PROTO { CTA_PROTO_NUM (u8), CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT (be16) } }
 *
 * Integers of ctnetlink (CTA_STATUS, CTA_ID, CTA_TIMEOUT, CTA_MARK, CTA_ZONE) are big-endian.
 */
import { formatIp, ipEquals, parseIp, type IpAddress } from "../../ip/index.ts";
import { NetlinkParseError, attr, encodeAttrs, type Attr, type AttrSet } from "../wire/index.ts";
import {
  CTA_ID,
  CTA_IP_V4_DST,
  CTA_IP_V4_SRC,
  CTA_IP_V6_DST,
  CTA_IP_V6_SRC,
  CTA_MARK,
  CTA_PROTO_DST_PORT,
  CTA_PROTO_NUM,
  CTA_PROTO_SRC_PORT,
  CTA_STATUS,
  CTA_TIMEOUT,
  CTA_TUPLE_IP,
  CTA_TUPLE_ORIG,
  CTA_TUPLE_PROTO,
  CTA_TUPLE_REPLY,
  CTA_ZONE,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
} from "./constants.ts";
import { be32Attr, decodeNfGenMsg, encodeNfGenMsg, readBe32 } from "./nfnetlink.ts";

export type ConntrackProtocol = "tcp" | "udp" | "sctp" | "icmp" | "icmpv6";

const PROTOCOLS: Readonly<Record<ConntrackProtocol, number>> = {
  tcp: IPPROTO_TCP,
  udp: IPPROTO_UDP,
  sctp: IPPROTO_SCTP,
  icmp: IPPROTO_ICMP,
  icmpv6: IPPROTO_ICMPV6,
};
const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOLS).map(([name, n]) => [n, name as ConntrackProtocol]));

/** One direction of a flow. Ports are present for tcp, udp and sctp. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
}

/** A conntrack entry, as `conntrack -L` shows it. */
export interface ConntrackFlow {
  family: 4 | 6;
  /** The layer-4 protocol, by name when it has one. */
  protocol: ConntrackProtocol | number;
  /** The tuple of the first packet (what the client sent). */
  orig: ConntrackTuple;
  /** The tuple replies are expected with (after NAT: the real server). */
  reply: ConntrackTuple;
  /** IPS_* bits (IPS_SEEN_REPLY 0x2, IPS_ASSURED 0x4, IPS_SRC_NAT 0x10, IPS_DST_NAT 0x20...). */
  status: number;
  /** The kernel's id of the entry; a delete with it removes this entry and no later one. */
  id?: number;
  /** Seconds left before the entry expires. */
  timeout?: number;
  mark?: number;
  zone?: number;
}

/** Which flows a list or delete is about; every given field must match. */
export interface ConntrackFilter {
  family: 4 | 6;
  protocol?: "tcp" | "udp" | "sctp";
  origSrc?: string;
  origSrcPort?: number;
  origDst?: string;
  origDstPort?: number;
  replySrc?: string;
  replySrcPort?: number;
}

const nfproto = (family: 4 | 6): number => (family === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6);

function withHead(family: 4 | 6, attrs: readonly Attr[]): Uint8Array {
  const head = encodeNfGenMsg(nfproto(family));
  const body = encodeAttrs(attrs);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** The payload of an IPCTNL_MSG_CT_GET dump of one family's entries. */
/** A dump request of one family's entries, or of every family's (`"all"`: AF_UNSPEC). */
export function encodeConntrackDump(family: 4 | 6 | "all"): Uint8Array {
  return family === "all" ? encodeNfGenMsg(0) : withHead(family, []);
}

function tupleAttr(type: number, family: 4 | 6, protocol: number, t: ConntrackTuple): Attr {
  const src = parseIp(t.src);
  const dst = parseIp(t.dst);
  if (src.family !== family || dst.family !== family) throw new TypeError(`Tuple ${t.src} → ${t.dst} is not IPv${family}`);
  const proto: Attr[] = [attr.u8(CTA_PROTO_NUM, protocol)];
  if (t.srcPort !== undefined) proto.push(attr.be16(CTA_PROTO_SRC_PORT, t.srcPort));
  if (t.dstPort !== undefined) proto.push(attr.be16(CTA_PROTO_DST_PORT, t.dstPort));
  return attr.nest(type, [
    attr.nest(CTA_TUPLE_IP, [attr.ip(family === 4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, src), attr.ip(family === 4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, dst)]),
    attr.nest(CTA_TUPLE_PROTO, proto),
  ]);
}

/** The payload of an IPCTNL_MSG_CT_DELETE of this entry (by original tuple, zone and id). */
export function encodeConntrackDelete(flow: ConntrackFlow): Uint8Array {
  const protocol = typeof flow.protocol === "number" ? flow.protocol : PROTOCOLS[flow.protocol];
  const attrs: Attr[] = [tupleAttr(CTA_TUPLE_ORIG, flow.family, protocol, flow.orig)];
  if (flow.zone !== undefined) attrs.push(attr.be16(CTA_ZONE, flow.zone));
  if (flow.id !== undefined) attrs.push(be32Attr(CTA_ID, flow.id));
  return withHead(flow.family, attrs);
}

function decodeTuple(data: AttrSet | undefined, what: string): { tuple: ConntrackTuple; protocol: number; family: 4 | 6 } {
  const ip = data?.nested(CTA_TUPLE_IP);
  const proto = data?.nested(CTA_TUPLE_PROTO);
  if (ip === undefined || proto === undefined) throw new NetlinkParseError(`A conntrack entry's ${what} tuple lacks its addresses or protocol`);
  const v4 = ip.has(CTA_IP_V4_SRC);
  const src = ip.ip(v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC);
  const dst = ip.ip(v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST);
  const protocol = proto.u8(CTA_PROTO_NUM);
  if (src === undefined || dst === undefined || protocol === undefined) throw new NetlinkParseError(`A conntrack entry's ${what} tuple is incomplete`);
  const tuple: ConntrackTuple = { src: formatIp(src), dst: formatIp(dst) };
  const srcPort = proto.be16(CTA_PROTO_SRC_PORT);
  const dstPort = proto.be16(CTA_PROTO_DST_PORT);
  if (srcPort !== undefined) tuple.srcPort = srcPort;
  if (dstPort !== undefined) tuple.dstPort = dstPort;
  return { tuple, protocol, family: src.family };
}

/** Decode one entry of a dump (an IPCTNL_MSG_CT_NEW message's payload). */
export function decodeConntrackFlow(payload: Uint8Array): ConntrackFlow {
  const { attrs } = decodeNfGenMsg(payload);
  const orig = decodeTuple(attrs.nested(CTA_TUPLE_ORIG), "original");
  const reply = decodeTuple(attrs.nested(CTA_TUPLE_REPLY), "reply");
  const flow: ConntrackFlow = {
    family: orig.family,
    protocol: PROTOCOL_NAMES.get(orig.protocol) ?? orig.protocol,
    orig: orig.tuple,
    reply: reply.tuple,
    status: readBe32(attrs, CTA_STATUS) ?? 0,
  };
  const id = readBe32(attrs, CTA_ID);
  if (id !== undefined) flow.id = id;
  const timeout = readBe32(attrs, CTA_TIMEOUT);
  if (timeout !== undefined) flow.timeout = timeout;
  const mark = readBe32(attrs, CTA_MARK);
  if (mark !== undefined) flow.mark = mark;
  const zone = attrs.be16(CTA_ZONE);
  if (zone !== undefined) flow.zone = zone;
  return flow;
}

function sameIp(text: string, want: IpAddress): boolean {
  return ipEquals(parseIp(text), want);
}

/** A predicate for flows that match every field the filter gives. Throws for a malformed address in it. */
export function conntrackMatcher(filter: ConntrackFilter): (flow: ConntrackFlow) => boolean {
  const ip = (text: string | undefined): IpAddress | undefined => (text === undefined ? undefined : parseIp(text));
  const origSrc = ip(filter.origSrc);
  const origDst = ip(filter.origDst);
  const replySrc = ip(filter.replySrc);
  return (f) =>
    f.family === filter.family &&
    (filter.protocol === undefined || f.protocol === filter.protocol) &&
    (origSrc === undefined || sameIp(f.orig.src, origSrc)) &&
    (origDst === undefined || sameIp(f.orig.dst, origDst)) &&
    (filter.origSrcPort === undefined || f.orig.srcPort === filter.origSrcPort) &&
    (filter.origDstPort === undefined || f.orig.dstPort === filter.origDstPort) &&
    (replySrc === undefined || sameIp(f.reply.src, replySrc)) &&
    (filter.replySrcPort === undefined || f.reply.srcPort === filter.replySrcPort);
}

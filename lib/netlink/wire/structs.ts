/**
 * The fixed headers of rtnetlink messages. Each one is followed, at a 4-byte aligned offset,
 * by the message's attributes. Layouts from linux/rtnetlink.h, if_addr.h and neighbour.h.
 */
import { AttrSet } from "./attr.ts";
import { NetlinkParseError } from "./errors.ts";
import { nlmsgAlign } from "./message.ts";

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Split a payload into its fixed header (checked for length) and the attributes after it. */
function splitPayload(payload: Uint8Array, size: number, name: string): { head: DataView; attrs: AttrSet } {
  if (payload.length < size) throw new NetlinkParseError(`Truncated ${name}: ${payload.length} bytes, ${size} needed`);
  return { head: view(payload.subarray(0, size)), attrs: AttrSet.parse(payload.subarray(Math.min(nlmsgAlign(size), payload.length))) };
}

/**
 * struct ifinfomsg { unsigned char ifi_family; unsigned char __ifi_pad; unsigned short ifi_type;
 *                    int ifi_index; unsigned ifi_flags; unsigned ifi_change; };   16 bytes
 */
export interface IfInfoMsg {
  family: number;
  /** ARPHRD_* */
  type: number;
  index: number;
  /** IFF_* */
  flags: number;
  /** Mask of the IFF_* bits that `flags` changes (requests only). */
  change: number;
}
export const IFINFOMSG_LEN = 16;

export function encodeIfInfoMsg(m: Partial<IfInfoMsg> = {}): Uint8Array {
  const out = new Uint8Array(IFINFOMSG_LEN);
  const v = view(out);
  v.setUint8(0, m.family ?? 0);
  v.setUint16(2, m.type ?? 0, true);
  v.setInt32(4, m.index ?? 0, true);
  v.setUint32(8, (m.flags ?? 0) >>> 0, true);
  v.setUint32(12, (m.change ?? 0) >>> 0, true);
  return out;
}

export function decodeIfInfoMsg(payload: Uint8Array): { header: IfInfoMsg; attrs: AttrSet } {
  const { head, attrs } = splitPayload(payload, IFINFOMSG_LEN, "ifinfomsg");
  return {
    header: {
      family: head.getUint8(0),
      type: head.getUint16(2, true),
      index: head.getInt32(4, true),
      flags: head.getUint32(8, true),
      change: head.getUint32(12, true),
    },
    attrs,
  };
}

/**
 * struct ifaddrmsg { __u8 ifa_family; __u8 ifa_prefixlen; __u8 ifa_flags; __u8 ifa_scope;
 *                    __u32 ifa_index; };   8 bytes
 */
export interface IfAddrMsg {
  family: number;
  prefixLen: number;
  /** The low 8 bits of IFA_F_*; IFA_FLAGS carries all 32. */
  flags: number;
  scope: number;
  index: number;
}
export const IFADDRMSG_LEN = 8;

export function encodeIfAddrMsg(m: Partial<IfAddrMsg> = {}): Uint8Array {
  const out = new Uint8Array(IFADDRMSG_LEN);
  const v = view(out);
  v.setUint8(0, m.family ?? 0);
  v.setUint8(1, m.prefixLen ?? 0);
  v.setUint8(2, (m.flags ?? 0) & 0xff);
  v.setUint8(3, m.scope ?? 0);
  v.setUint32(4, m.index ?? 0, true);
  return out;
}

export function decodeIfAddrMsg(payload: Uint8Array): { header: IfAddrMsg; attrs: AttrSet } {
  const { head, attrs } = splitPayload(payload, IFADDRMSG_LEN, "ifaddrmsg");
  return {
    header: {
      family: head.getUint8(0),
      prefixLen: head.getUint8(1),
      flags: head.getUint8(2),
      scope: head.getUint8(3),
      index: head.getUint32(4, true),
    },
    attrs,
  };
}

/** struct ifa_cacheinfo { __u32 ifa_prefered; __u32 ifa_valid; __u32 cstamp; __u32 tstamp; } */
export interface IfaCacheInfo {
  preferred: number;
  valid: number;
  created: number;
  updated: number;
}

export function decodeIfaCacheInfo(data: Uint8Array): IfaCacheInfo {
  if (data.length < 16) throw new NetlinkParseError(`Truncated ifa_cacheinfo: ${data.length} bytes, 16 needed`);
  const v = view(data);
  return { preferred: v.getUint32(0, true), valid: v.getUint32(4, true), created: v.getUint32(8, true), updated: v.getUint32(12, true) };
}

export function encodeIfaCacheInfo(c: IfaCacheInfo): Uint8Array {
  const out = new Uint8Array(16);
  const v = view(out);
  v.setUint32(0, c.preferred >>> 0, true);
  v.setUint32(4, c.valid >>> 0, true);
  v.setUint32(8, c.created >>> 0, true);
  v.setUint32(12, c.updated >>> 0, true);
  return out;
}

/**
 * struct rtmsg { unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos,
 *                rtm_table, rtm_protocol, rtm_scope, rtm_type; unsigned rtm_flags; };   12 bytes
 */
export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** The table id when below 256 (RTA_TABLE carries the full id). */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}
export const RTMSG_LEN = 12;

export function encodeRtMsg(m: Partial<RtMsg> = {}): Uint8Array {
  const out = new Uint8Array(RTMSG_LEN);
  const v = view(out);
  v.setUint8(0, m.family ?? 0);
  v.setUint8(1, m.dstLen ?? 0);
  v.setUint8(2, m.srcLen ?? 0);
  v.setUint8(3, m.tos ?? 0);
  v.setUint8(4, m.table ?? 0);
  v.setUint8(5, m.protocol ?? 0);
  v.setUint8(6, m.scope ?? 0);
  v.setUint8(7, m.type ?? 0);
  v.setUint32(8, (m.flags ?? 0) >>> 0, true);
  return out;
}

export function decodeRtMsg(payload: Uint8Array): { header: RtMsg; attrs: AttrSet } {
  const { head, attrs } = splitPayload(payload, RTMSG_LEN, "rtmsg");
  return {
    header: {
      family: head.getUint8(0),
      dstLen: head.getUint8(1),
      srcLen: head.getUint8(2),
      tos: head.getUint8(3),
      table: head.getUint8(4),
      protocol: head.getUint8(5),
      scope: head.getUint8(6),
      type: head.getUint8(7),
      flags: head.getUint32(8, true),
    },
    attrs,
  };
}

/**
 * struct ndmsg { __u8 ndm_family; __u8 ndm_pad1; __u16 ndm_pad2; __s32 ndm_ifindex;
 *                __u16 ndm_state; __u8 ndm_flags; __u8 ndm_type; };   12 bytes
 */
export interface NdMsg {
  family: number;
  index: number;
  /** NUD_* */
  state: number;
  /** NTF_* */
  flags: number;
  type: number;
}
export const NDMSG_LEN = 12;

export function encodeNdMsg(m: Partial<NdMsg> = {}): Uint8Array {
  const out = new Uint8Array(NDMSG_LEN);
  const v = view(out);
  v.setUint8(0, m.family ?? 0);
  v.setInt32(4, m.index ?? 0, true);
  v.setUint16(8, m.state ?? 0, true);
  v.setUint8(10, m.flags ?? 0);
  v.setUint8(11, m.type ?? 0);
  return out;
}

export function decodeNdMsg(payload: Uint8Array): { header: NdMsg; attrs: AttrSet } {
  const { head, attrs } = splitPayload(payload, NDMSG_LEN, "ndmsg");
  return {
    header: {
      family: head.getUint8(0),
      index: head.getInt32(4, true),
      state: head.getUint16(8, true),
      flags: head.getUint8(10),
      type: head.getUint8(11),
    },
    attrs,
  };
}

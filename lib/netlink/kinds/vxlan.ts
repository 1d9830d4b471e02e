/**
 * vxlan: an L2 overlay over UDP. The destination port travels in network byte order;
 * group/local are IPv4 (IFLA_VXLAN_GROUP/LOCAL) or IPv6 (..._GROUP6/LOCAL6) by their text.
 */
import { formatIp, parseIp } from "../../ip/index.ts";
import {
  IFLA_VXLAN_AGEING,
  IFLA_VXLAN_GROUP,
  IFLA_VXLAN_GROUP6,
  IFLA_VXLAN_ID,
  IFLA_VXLAN_LEARNING,
  IFLA_VXLAN_LINK,
  IFLA_VXLAN_LOCAL,
  IFLA_VXLAN_LOCAL6,
  IFLA_VXLAN_PORT,
  IFLA_VXLAN_TTL,
  attr,
  type Attr,
  type AttrSet,
} from "../wire/index.ts";
import type { LinkKind, LinkSpecBase } from "./kind.ts";

/** Equivalent to `ip link add NAME type vxlan id VNI [dstport P] [group G|remote R] [local L] [dev D]`. */
export interface VxlanSpec extends LinkSpecBase {
  kind: "vxlan";
  /** VXLAN network identifier, 0..16777215. */
  vni: number;
  /** Destination UDP port; the kernel's default (8472) when absent. Give 4789 for IANA's. */
  port?: number;
  /** Multicast group or unicast remote address. */
  group?: string;
  local?: string;
  learning?: boolean;
  ttl?: number;
  /** Ifindex of the underlying device (IFLA_VXLAN_LINK). */
  dev?: number;
  /** FDB ageing in seconds. */
  ageing?: number;
}

export interface VxlanInfo {
  kind: "vxlan";
  vni: number;
  port: number;
  group?: string;
  local?: string;
  learning: boolean;
  ttl: number;
  dev?: number;
  ageing?: number;
}

function ipAttr(v4Type: number, v6Type: number, text: string): Attr {
  const ip = parseIp(text);
  return attr.ip(ip.family === 4 ? v4Type : v6Type, ip);
}

function ipText(data: AttrSet, v4Type: number, v6Type: number): string | undefined {
  const ip = data.ip(v4Type) ?? data.ip(v6Type);
  if (ip === undefined || ip.value === 0n) return undefined;
  return formatIp(ip);
}

export const vxlan: LinkKind<VxlanSpec, VxlanInfo> = {
  kind: "vxlan",
  infoData(spec) {
    if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff) {
      throw new RangeError(`Invalid VXLAN id ${spec.vni}: expected 0..16777215`);
    }
    const a: Attr[] = [attr.u32(IFLA_VXLAN_ID, spec.vni)];
    if (spec.group !== undefined) a.push(ipAttr(IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, spec.group));
    if (spec.local !== undefined) a.push(ipAttr(IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, spec.local));
    if (spec.dev !== undefined) a.push(attr.u32(IFLA_VXLAN_LINK, spec.dev));
    if (spec.ttl !== undefined) a.push(attr.u8(IFLA_VXLAN_TTL, spec.ttl));
    if (spec.learning !== undefined) a.push(attr.u8(IFLA_VXLAN_LEARNING, spec.learning ? 1 : 0));
    if (spec.ageing !== undefined) a.push(attr.u32(IFLA_VXLAN_AGEING, spec.ageing));
    if (spec.port !== undefined) a.push(attr.be16(IFLA_VXLAN_PORT, spec.port));
    return a;
  },
  decode(data) {
    const info: VxlanInfo = {
      kind: "vxlan",
      vni: data?.u32(IFLA_VXLAN_ID) ?? 0,
      port: data?.be16(IFLA_VXLAN_PORT) ?? 0,
      learning: (data?.u8(IFLA_VXLAN_LEARNING) ?? 0) !== 0,
      ttl: data?.u8(IFLA_VXLAN_TTL) ?? 0,
    };
    if (data === undefined) return info;
    const group = ipText(data, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
    if (group !== undefined) info.group = group;
    const local = ipText(data, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6);
    if (local !== undefined) info.local = local;
    const dev = data.u32(IFLA_VXLAN_LINK);
    if (dev !== undefined && dev !== 0) info.dev = dev;
    const ageing = data.u32(IFLA_VXLAN_AGEING);
    if (ageing !== undefined) info.ageing = ageing;
    return info;
  },
};

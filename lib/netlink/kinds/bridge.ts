/**
 * bridge: IFLA_INFO_DATA of a bridge (IFLA_BR_*), and the per-port settings of a link enslaved
 * to one (IFLA_BRPORT_*, sent as IFLA_INFO_SLAVE_DATA). Times are in centiseconds, the unit of
 * the kernel's clock_t attributes and of `ip link ... type bridge forward_delay 1500`.
 */
import {
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_LEARNING,
  IFLA_BRPORT_MODE,
  IFLA_BRPORT_STATE,
  IFLA_BRPORT_UNICAST_FLOOD,
  IFLA_BR_AGEING_TIME,
  IFLA_BR_FORWARD_DELAY,
  IFLA_BR_HELLO_TIME,
  IFLA_BR_MAX_AGE,
  IFLA_BR_MCAST_SNOOPING,
  IFLA_BR_PRIORITY,
  IFLA_BR_STP_STATE,
  IFLA_BR_VLAN_DEFAULT_PVID,
  IFLA_BR_VLAN_FILTERING,
  IFLA_BR_VLAN_PROTOCOL,
  attr,
  type Attr,
  type AttrSet,
} from "../wire/index.ts";
import type { LinkKind, LinkSpecBase } from "./kind.ts";

/** Equivalent to `ip link add NAME type bridge [stp_state 1] [vlan_filtering 1] ...`. */
export interface BridgeSpec extends LinkSpecBase {
  kind: "bridge";
  stp?: boolean;
  /** Centiseconds. */
  forwardDelay?: number;
  /** Centiseconds. */
  helloTime?: number;
  /** Centiseconds. */
  maxAge?: number;
  /** Centiseconds. */
  ageingTime?: number;
  priority?: number;
  /** Needs 802.1Q in the kernel; without it the kernel refuses (EOPNOTSUPP). */
  vlanFiltering?: boolean;
  vlanDefaultPvid?: number;
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  vlanProtocol?: number;
  mcastSnooping?: boolean;
}

export interface BridgeInfo {
  kind: "bridge";
  stp: boolean;
  forwardDelay: number;
  helloTime: number;
  maxAge: number;
  ageingTime: number;
  priority: number;
  vlanFiltering: boolean;
  vlanDefaultPvid?: number;
  vlanProtocol?: number;
  mcastSnooping?: boolean;
}

export const bridge: LinkKind<BridgeSpec, BridgeInfo> = {
  kind: "bridge",
  infoData(spec) {
    const a: Attr[] = [];
    if (spec.forwardDelay !== undefined) a.push(attr.u32(IFLA_BR_FORWARD_DELAY, spec.forwardDelay));
    if (spec.helloTime !== undefined) a.push(attr.u32(IFLA_BR_HELLO_TIME, spec.helloTime));
    if (spec.maxAge !== undefined) a.push(attr.u32(IFLA_BR_MAX_AGE, spec.maxAge));
    if (spec.ageingTime !== undefined) a.push(attr.u32(IFLA_BR_AGEING_TIME, spec.ageingTime));
    if (spec.stp !== undefined) a.push(attr.u32(IFLA_BR_STP_STATE, spec.stp ? 1 : 0));
    if (spec.priority !== undefined) a.push(attr.u16(IFLA_BR_PRIORITY, spec.priority));
    if (spec.vlanFiltering !== undefined) a.push(attr.u8(IFLA_BR_VLAN_FILTERING, spec.vlanFiltering ? 1 : 0));
    if (spec.vlanProtocol !== undefined) a.push(attr.be16(IFLA_BR_VLAN_PROTOCOL, spec.vlanProtocol));
    if (spec.vlanDefaultPvid !== undefined) a.push(attr.u16(IFLA_BR_VLAN_DEFAULT_PVID, spec.vlanDefaultPvid));
    if (spec.mcastSnooping !== undefined) a.push(attr.u8(IFLA_BR_MCAST_SNOOPING, spec.mcastSnooping ? 1 : 0));
    return a.length > 0 ? a : undefined;
  },
  hint(spec, code) {
    if (code === "EOPNOTSUPP" && spec.vlanFiltering) {
      return "this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING, which needs 802.1Q)";
    }
    return undefined;
  },
  decode(data) {
    const info: BridgeInfo = {
      kind: "bridge",
      stp: (data?.u32(IFLA_BR_STP_STATE) ?? 0) !== 0,
      forwardDelay: data?.u32(IFLA_BR_FORWARD_DELAY) ?? 0,
      helloTime: data?.u32(IFLA_BR_HELLO_TIME) ?? 0,
      maxAge: data?.u32(IFLA_BR_MAX_AGE) ?? 0,
      ageingTime: data?.u32(IFLA_BR_AGEING_TIME) ?? 0,
      priority: data?.u16(IFLA_BR_PRIORITY) ?? 0,
      vlanFiltering: (data?.u8(IFLA_BR_VLAN_FILTERING) ?? 0) !== 0,
    };
    const pvid = data?.u16(IFLA_BR_VLAN_DEFAULT_PVID);
    if (pvid !== undefined) info.vlanDefaultPvid = pvid;
    const proto = data?.be16(IFLA_BR_VLAN_PROTOCOL);
    if (proto !== undefined) info.vlanProtocol = proto;
    const snooping = data?.u8(IFLA_BR_MCAST_SNOOPING);
    if (snooping !== undefined) info.mcastSnooping = snooping !== 0;
    return info;
  },
};

/** Settings of a bridge port. Equivalent to `ip link set DEV type bridge_slave hairpin on ...`. */
export interface BridgePortSpec {
  /** Reflect frames back out of the port they came in on (IFLA_BRPORT_MODE). */
  hairpin?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  /** Isolated ports talk only to non-isolated ones. */
  isolated?: boolean;
}

/** A bridge port as the kernel reports it (IFLA_INFO_SLAVE_DATA when the slave kind is "bridge"). */
export interface BridgePortInfo {
  /** STP state: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking. */
  state?: number;
  hairpin: boolean;
  learning: boolean;
  unicastFlood: boolean;
  isolated: boolean;
}

export function bridgePortAttrs(spec: BridgePortSpec): Attr[] {
  const a: Attr[] = [];
  if (spec.hairpin !== undefined) a.push(attr.u8(IFLA_BRPORT_MODE, spec.hairpin ? 1 : 0));
  if (spec.learning !== undefined) a.push(attr.u8(IFLA_BRPORT_LEARNING, spec.learning ? 1 : 0));
  if (spec.unicastFlood !== undefined) a.push(attr.u8(IFLA_BRPORT_UNICAST_FLOOD, spec.unicastFlood ? 1 : 0));
  if (spec.isolated !== undefined) a.push(attr.u8(IFLA_BRPORT_ISOLATED, spec.isolated ? 1 : 0));
  return a;
}

export function decodeBridgePort(data: AttrSet): BridgePortInfo {
  const info: BridgePortInfo = {
    hairpin: (data.u8(IFLA_BRPORT_MODE) ?? 0) !== 0,
    learning: (data.u8(IFLA_BRPORT_LEARNING) ?? 0) !== 0,
    unicastFlood: (data.u8(IFLA_BRPORT_UNICAST_FLOOD) ?? 0) !== 0,
    isolated: (data.u8(IFLA_BRPORT_ISOLATED) ?? 0) !== 0,
  };
  const state = data.u8(IFLA_BRPORT_STATE);
  if (state !== undefined) info.state = state;
  return info;
}

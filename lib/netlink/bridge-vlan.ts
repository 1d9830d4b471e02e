/**
 * VLANs of a bridge port (`bridge vlan add/del`): an AF_BRIDGE link message whose IFLA_AF_SPEC
 * holds struct bridge_vlan_info {u16 flags; u16 vid} entries, a range as a BEGIN/END pair.
 * Needs bridge VLAN filtering in the kernel (CONFIG_BRIDGE_VLAN_FILTERING, which needs 802.1Q).
 */
import { describeLinkRef } from "./errors.ts";
import { linkIndex, type LinkRef } from "./link.ts";
import {
  AF_BRIDGE,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_RANGE_BEGIN,
  BRIDGE_VLAN_INFO_RANGE_END,
  BRIDGE_VLAN_INFO_UNTAGGED,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_VLAN_INFO,
  RTM_DELLINK,
  RTM_SETLINK,
  attr,
  concatBytes,
  encodeAttrs,
  encodeIfInfoMsg,
  type Attr,
  type NetlinkConn,
} from "./wire/index.ts";

export interface BridgeVlanSpec {
  /** The VLAN id (1-4094), or the first of a range with `vidEnd`. */
  vid: number;
  vidEnd?: number;
  /** Untagged frames entering the port belong to this VLAN (`pvid`). */
  pvid?: boolean;
  /** Frames of this VLAN leave the port untagged (`untagged`). */
  untagged?: boolean;
}

function vlanInfo(flags: number, vid: number): Uint8Array {
  if (!Number.isInteger(vid) || vid < 1 || vid > 4094) throw new RangeError(`Invalid VLAN id ${vid}: 1 to 4094`);
  const b = new Uint8Array(4);
  const d = new DataView(b.buffer);
  d.setUint16(0, flags, true);
  d.setUint16(2, vid, true);
  return b;
}

/** The IFLA_AF_SPEC entries for one spec: one VLAN_INFO, or a RANGE_BEGIN/RANGE_END pair. */
export function bridgeVlanAttrs(spec: BridgeVlanSpec): Attr[] {
  const flags = (spec.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (spec.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  if (spec.vidEnd === undefined || spec.vidEnd === spec.vid) return [attr.bytes(IFLA_BRIDGE_VLAN_INFO, vlanInfo(flags, spec.vid))];
  if (spec.vidEnd < spec.vid) throw new RangeError(`Invalid VLAN range ${spec.vid}-${spec.vidEnd}`);
  if (spec.pvid) throw new RangeError("A VLAN range cannot be the port's PVID");
  return [
    attr.bytes(IFLA_BRIDGE_VLAN_INFO, vlanInfo(flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, spec.vid)),
    attr.bytes(IFLA_BRIDGE_VLAN_INFO, vlanInfo(flags | BRIDGE_VLAN_INFO_RANGE_END, spec.vidEnd)),
  ];
}

function send(conn: NetlinkConn, type: number, verb: string, ref: LinkRef, specs: readonly BridgeVlanSpec[]): void {
  // AF_BRIDGE link messages select the port by ifindex only (a name is not looked up).
  const index = linkIndex(conn, ref);
  const body = concatBytes([
    encodeIfInfoMsg({ family: AF_BRIDGE, index }),
    encodeAttrs([attr.nest(IFLA_AF_SPEC, specs.flatMap(bridgeVlanAttrs))]),
  ]);
  const what = specs.map((s) => (s.vidEnd ? `${s.vid}-${s.vidEnd}` : `${s.vid}`)).join(",");
  const op = `${verb} vlan ${what} on bridge port ${describeLinkRef(ref)}`;
  conn.request(op, type, 0, body);
}

/** Equivalent to `bridge vlan add dev PORT vid VID [pvid] [untagged]` (several at once). */
export function bridgeVlanAdd(conn: NetlinkConn, ref: LinkRef, specs: readonly BridgeVlanSpec[]): void {
  send(conn, RTM_SETLINK, "add", ref, specs);
}

/** Equivalent to `bridge vlan del dev PORT vid VID`. */
export function bridgeVlanDel(conn: NetlinkConn, ref: LinkRef, specs: readonly BridgeVlanSpec[]): void {
  send(conn, RTM_DELLINK, "delete", ref, specs);
}

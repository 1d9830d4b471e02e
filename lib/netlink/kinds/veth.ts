/**
 * veth: a pair of linked Ethernet devices. The peer is described inside IFLA_INFO_DATA as
 * VETH_INFO_PEER, whose payload is a struct ifinfomsg followed by the peer's own attributes
 * (IFLA_IFNAME, IFLA_NET_NS_FD, ...), so the peer can be born in another namespace.
 */
import { parseMac } from "../../ip/index.ts";
import {
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_TXQLEN,
  VETH_INFO_PEER,
  attr,
  encodeIfInfoMsg,
  type Attr,
} from "../wire/index.ts";
import type { LinkKind, LinkSpecBase } from "./kind.ts";

export interface VethPeerSpec {
  name: string;
  /** Create the peer directly in this namespace (IFLA_NET_NS_FD inside VETH_INFO_PEER). */
  netnsFd?: number;
  mac?: string;
  mtu?: number;
  txQLen?: number;
  // No `up`: the kernel cannot open a veth end before its pair is complete (it answers
  // ENOTCONN), so bring the peer up afterwards, with a handle in its namespace.
}

/** Equivalent to `ip link add NAME type veth peer name PEER [netns NS]`. */
export interface VethSpec extends LinkSpecBase {
  kind: "veth";
  peer: VethPeerSpec;
}

/** A veth's own IFLA_INFO_DATA is empty in dumps; the peer is found through IFLA_LINK. */
export interface VethInfo {
  kind: "veth";
}

function peerAttrs(peer: VethPeerSpec): Attr[] {
  const attrs: Attr[] = [attr.str(IFLA_IFNAME, peer.name)];
  if (peer.netnsFd !== undefined) attrs.push(attr.u32(IFLA_NET_NS_FD, peer.netnsFd));
  if (peer.mac !== undefined) attrs.push(attr.mac(IFLA_ADDRESS, parseMac(peer.mac)));
  if (peer.mtu !== undefined) attrs.push(attr.u32(IFLA_MTU, peer.mtu));
  if (peer.txQLen !== undefined) attrs.push(attr.u32(IFLA_TXQLEN, peer.txQLen));
  return attrs;
}

export const veth: LinkKind<VethSpec, VethInfo> = {
  kind: "veth",
  infoData(spec) {
    return [attr.structNest(VETH_INFO_PEER, encodeIfInfoMsg({}), peerAttrs(spec.peer))];
  },
  // An EEXIST may be about either end: name both.
  describe: (spec) => `with peer ${JSON.stringify(spec.peer.name)}`,
  decode: () => ({ kind: "veth" }),
};

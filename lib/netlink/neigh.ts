/**
 * Neighbours (ARP and NDP cache entries): RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH.
 */
import { parseIp, parseMac } from "../ip/index.ts";
import { describeLinkRef } from "./errors.ts";
import { linkIndex, type LinkRef } from "./link.ts";
import { NEIGH_STATES, type NeighState } from "./names.ts";
import {
  AF_INET,
  AF_BRIDGE,
  AF_INET6,
  AF_UNSPEC,
  NDA_DST,
  NDA_IFINDEX,
  NDA_LLADDR,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NTF_ROUTER,
  NTF_SELF,
  NUD_PERMANENT,
  RTM_DELNEIGH,
  RTM_GETNEIGH,
  RTM_NEWNEIGH,
  attr,
  concatBytes,
  decodeNdMsg,
  encodeAttrs,
  encodeNdMsg,
  type Attr,
  type NetlinkConn,
  type NetlinkMessage,
} from "./wire/index.ts";

/** A neighbour cache entry. */
export interface Neighbour {
  index: number;
  family: 4 | 6;
  ip: string;
  /** The link-layer address, absent while unresolved. */
  mac?: string;
  /** The NUD state by name ("reachable", "permanent", ...), or its bits when they combine. */
  state: NeighState;
  /** NTF_* flags. */
  flags: number;
  router: boolean;
}

export interface NeighListFilter {
  link?: LinkRef;
  family?: 4 | 6;
}

export interface NeighSpec {
  ip: string;
  mac: string;
  /** Default "permanent", as `ip neigh add` without nud. */
  state?: NeighState;
}

export function decodeNeighbour(msg: NetlinkMessage): Neighbour | undefined {
  const { header, attrs } = decodeNdMsg(msg.payload);
  if (header.family !== AF_INET && header.family !== AF_INET6) return undefined;
  const ip = attrs.ipText(NDA_DST);
  if (ip === undefined) return undefined;
  const n: Neighbour = {
    index: header.index,
    family: header.family === AF_INET ? 4 : 6,
    ip,
    state: NEIGH_STATES.name(header.state),
    flags: header.flags,
    router: (header.flags & NTF_ROUTER) !== 0,
  };
  const mac = attrs.mac(NDA_LLADDR);
  if (mac !== undefined) n.mac = mac;
  return n;
}

export function neighList(conn: NetlinkConn, filter: NeighListFilter = {}): Neighbour[] {
  const index = filter.link === undefined ? undefined : linkIndex(conn, filter.link);
  const family = filter.family === undefined ? AF_UNSPEC : filter.family === 4 ? AF_INET : AF_INET6;
  // A strict dump takes the link filter as NDA_IFINDEX; the header's index must stay 0.
  const attrs: Attr[] = index === undefined ? [] : [attr.u32(NDA_IFINDEX, index)];
  const body = concatBytes([encodeNdMsg({ family }), encodeAttrs(attrs)]);
  const out: Neighbour[] = [];
  for (const m of conn.dump("dump neighbours", RTM_GETNEIGH, body)) {
    if (m.type !== RTM_NEWNEIGH) continue;
    const n = decodeNeighbour(m);
    if (n === undefined) continue;
    if (index !== undefined && n.index !== index) continue;
    if (filter.family !== undefined && n.family !== filter.family) continue;
    out.push(n);
  }
  return out;
}

function neighRequest(conn: NetlinkConn, link: LinkRef, ip: string, mac: string | undefined, state: number): Uint8Array {
  const addr = parseIp(ip);
  const attrs: Attr[] = [attr.ip(NDA_DST, addr)];
  if (mac !== undefined) attrs.push(attr.mac(NDA_LLADDR, parseMac(mac)));
  const head = encodeNdMsg({ family: addr.family === 4 ? AF_INET : AF_INET6, index: linkIndex(conn, link), state });
  return concatBytes([head, encodeAttrs(attrs)]);
}

export function neighAdd(conn: NetlinkConn, link: LinkRef, spec: NeighSpec, replace = false): void {
  const state = spec.state === undefined ? NUD_PERMANENT : NEIGH_STATES.value(spec.state, 0xffff);
  const flags = replace ? NLM_F_CREATE | NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL;
  const op = `${replace ? "replace" : "add"} neighbour ${spec.ip} on link ${describeLinkRef(link)}`;
  conn.request(op, RTM_NEWNEIGH, flags, neighRequest(conn, link, spec.ip, spec.mac, state));
}

export function neighDel(conn: NetlinkConn, link: LinkRef, ip: string): void {
  conn.request(`delete neighbour ${ip} on link ${describeLinkRef(link)}`, RTM_DELNEIGH, 0, neighRequest(conn, link, ip, undefined, 0));
}

function fdbRequest(conn: NetlinkConn, link: LinkRef, mac: string, dst: string | undefined): Uint8Array {
  const attrs: Attr[] = [attr.mac(NDA_LLADDR, parseMac(mac))];
  if (dst !== undefined) attrs.push(attr.ip(NDA_DST, parseIp(dst)));
  const head = encodeNdMsg({ family: AF_BRIDGE, index: linkIndex(conn, link), state: NUD_PERMANENT, flags: NTF_SELF });
  return concatBytes([head, encodeAttrs(attrs)]);
}

/**
 * Equivalent to `bridge fdb append MAC dev LINK dst DST self permanent`: on a VXLAN device, the
 * all-zeros MAC with a remote's address floods unknown traffic to that remote (static remotes).
 */
export function fdbAppend(conn: NetlinkConn, link: LinkRef, mac: string, dst?: string): void {
  const op = `append fdb entry ${mac}${dst ? ` dst ${dst}` : ""} on link ${describeLinkRef(link)}`;
  conn.request(op, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, fdbRequest(conn, link, mac, dst));
}

/** Equivalent to `bridge fdb del MAC dev LINK dst DST self`. */
export function fdbDel(conn: NetlinkConn, link: LinkRef, mac: string, dst?: string): void {
  conn.request(`delete fdb entry ${mac} on link ${describeLinkRef(link)}`, RTM_DELNEIGH, 0, fdbRequest(conn, link, mac, dst));
}

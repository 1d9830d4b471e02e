/**
 * Addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR.
 *
 * Like `ip addr add`, an IPv4 address gets no broadcast address unless one is asked for
 * (`broadcast: "+"` computes it, as `brd +` does), and the scope defaults to host for
 * loopback addresses and global otherwise.
 */
import { broadcastAddress, formatIp, parseCidr, parseIp, type Cidr } from "../ip/index.ts";
import { describeLinkRef } from "./errors.ts";
import { linkIndex, type LinkRef } from "./link.ts";
import { SCOPES, type Scope } from "./names.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_CACHEINFO,
  IFA_FLAGS,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_LABEL,
  IFA_LOCAL,
  IFA_RT_PRIORITY,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_NEWADDR,
  RT_SCOPE_HOST,
  RT_SCOPE_UNIVERSE,
  attr,
  concatBytes,
  decodeIfAddrMsg,
  decodeIfaCacheInfo,
  encodeAttrs,
  encodeIfAddrMsg,
  encodeIfaCacheInfo,
  type Attr,
  type NetlinkConn,
  type NetlinkMessage,
} from "./wire/index.ts";

/** An address as the kernel reports it. */
export interface Address {
  /** The link's ifindex. */
  index: number;
  family: 4 | 6;
  prefixLen: number;
  /** The interface's own address (IFA_LOCAL, or IFA_ADDRESS when there is no local), canonical text. */
  address: string;
  /** `address/prefixLen`, e.g. "10.0.0.2/24". */
  cidr: string;
  /** IFA_LOCAL as sent by the kernel. */
  local?: string;
  /** The peer of a point-to-point address (IFA_ADDRESS when it differs from IFA_LOCAL). */
  peer?: string;
  broadcast?: string;
  scope: Scope;
  /** IFA_F_* (the 32-bit IFA_FLAGS when present). */
  flags: number;
  label?: string;
  /** Seconds; 0xffffffff means forever. */
  validLft?: number;
  preferredLft?: number;
}

export interface AddrOptions {
  /** Peer address of a point-to-point link (`ip addr add A peer P`). */
  peer?: string;
  /** IPv4 broadcast address, or "+" to compute it from the prefix (`brd +`). None by default. */
  broadcast?: string;
  label?: string;
  scope?: Scope;
  /** Extra IFA_F_* flags. */
  flags?: number;
  /** IFA_F_NOPREFIXROUTE: do not add the prefix route. */
  noPrefixRoute?: boolean;
  /** IFA_F_NODAD: skip IPv6 duplicate address detection. */
  noDad?: boolean;
  /** Metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
  /** Seconds (both default to forever). */
  validLft?: number;
  preferredLft?: number;
}

export interface AddrListFilter {
  link?: LinkRef;
  family?: 4 | 6;
}

const FOREVER = 0xffff_ffff;

function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

function isLoopback(cidr: Cidr): boolean {
  if (cidr.ip.family === 4) return cidr.ip.value >> 24n === 127n;
  return cidr.ip.value === 1n;
}

function addrRequest(index: number, cidr: Cidr, opts: AddrOptions, forDelete: boolean): Uint8Array {
  let flags = opts.flags ?? 0;
  if (opts.noPrefixRoute) flags |= IFA_F_NOPREFIXROUTE;
  if (opts.noDad) flags |= IFA_F_NODAD;
  const scope =
    opts.scope !== undefined ? SCOPES.value(opts.scope) : !forDelete && isLoopback(cidr) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  const attrs: Attr[] = [attr.ip(IFA_LOCAL, cidr.ip)];
  const peer = opts.peer === undefined ? cidr.ip : parseIp(opts.peer);
  if (peer.family !== cidr.ip.family) throw new RangeError(`Peer ${opts.peer} is not of the family of ${formatIp(cidr.ip)}`);
  attrs.push(attr.ip(IFA_ADDRESS, peer));
  if (opts.broadcast !== undefined) {
    const brd = opts.broadcast === "+" ? broadcastAddress(cidr) : parseIp(opts.broadcast);
    if (brd !== undefined) {
      if (brd.family !== 4) throw new RangeError("Only IPv4 addresses have a broadcast address");
      attrs.push(attr.ip(IFA_BROADCAST, brd));
    }
  }
  if (opts.label !== undefined) attrs.push(attr.str(IFA_LABEL, opts.label));
  if (flags !== 0) attrs.push(attr.u32(IFA_FLAGS, flags));
  if (opts.metric !== undefined) attrs.push(attr.u32(IFA_RT_PRIORITY, opts.metric));
  if (opts.validLft !== undefined || opts.preferredLft !== undefined) {
    const valid = opts.validLft ?? FOREVER;
    attrs.push(attr.bytes(IFA_CACHEINFO, encodeIfaCacheInfo({ valid, preferred: opts.preferredLft ?? valid, created: 0, updated: 0 })));
  }
  const head = encodeIfAddrMsg({ family: afOf(cidr.ip.family), prefixLen: cidr.prefix, flags: flags & 0xff, scope, index });
  return concatBytes([head, encodeAttrs(attrs)]);
}

function change(conn: NetlinkConn, verb: string, type: number, flags: number, link: LinkRef, address: string, opts: AddrOptions): void {
  const cidr = parseCidr(address);
  const index = linkIndex(conn, link);
  const op = `${verb} address ${address} ${verb === "delete" ? "from" : "on"} link ${describeLinkRef(link)}`;
  conn.request(op, type, flags, addrRequest(index, cidr, opts, type === RTM_DELADDR));
}

export function addrAdd(conn: NetlinkConn, link: LinkRef, address: string, opts: AddrOptions = {}): void {
  change(conn, "add", RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, link, address, opts);
}

export function addrReplace(conn: NetlinkConn, link: LinkRef, address: string, opts: AddrOptions = {}): void {
  change(conn, "replace", RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, link, address, opts);
}

export function addrDel(conn: NetlinkConn, link: LinkRef, address: string, opts: Pick<AddrOptions, "peer" | "scope"> = {}): void {
  change(conn, "delete", RTM_DELADDR, 0, link, address, opts);
}

/** Decode an RTM_NEWADDR (dump part or event). */
export function decodeAddress(msg: NetlinkMessage): Address | undefined {
  const { header, attrs } = decodeIfAddrMsg(msg.payload);
  if (header.family !== AF_INET && header.family !== AF_INET6) return undefined;
  const local = attrs.ipText(IFA_LOCAL);
  const addr = attrs.ipText(IFA_ADDRESS);
  const own = local ?? addr;
  if (own === undefined) return undefined;
  const a: Address = {
    index: header.index,
    family: header.family === AF_INET ? 4 : 6,
    prefixLen: header.prefixLen,
    address: own,
    cidr: `${own}/${header.prefixLen}`,
    scope: SCOPES.name(header.scope),
    flags: attrs.u32(IFA_FLAGS) ?? header.flags,
  };
  if (local !== undefined) a.local = local;
  if (local !== undefined && addr !== undefined && addr !== local) a.peer = addr;
  const brd = attrs.ipText(IFA_BROADCAST);
  if (brd !== undefined) a.broadcast = brd;
  const label = attrs.str(IFA_LABEL);
  if (label !== undefined) a.label = label;
  const ci = attrs.get(IFA_CACHEINFO);
  if (ci !== undefined) {
    const info = decodeIfaCacheInfo(ci);
    a.validLft = info.valid;
    a.preferredLft = info.preferred;
  }
  return a;
}

export function addrList(conn: NetlinkConn, filter: AddrListFilter = {}): Address[] {
  const index = filter.link === undefined ? 0 : linkIndex(conn, filter.link);
  const family = filter.family === undefined ? AF_UNSPEC : afOf(filter.family);
  const body = encodeIfAddrMsg({ family, index });
  const out: Address[] = [];
  for (const m of conn.dump("dump addresses", RTM_GETADDR, body)) {
    if (m.type !== RTM_NEWADDR) continue;
    const a = decodeAddress(m);
    if (a === undefined) continue;
    if (index !== 0 && a.index !== index) continue;
    if (filter.family !== undefined && a.family !== filter.family) continue;
    out.push(a);
  }
  return out;
}

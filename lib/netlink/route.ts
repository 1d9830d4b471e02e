/**
 * Routes: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE.
 *
 * A decoded route's `dst` is always a prefix: the default route reads "0.0.0.0/0" or "::/0".
 * A spec's `dst` may be omitted or "default" for the default route (then the family comes
 * from `gw`, `src` or `family`). Defaults follow `ip route add`: table main, protocol boot,
 * type unicast, scope link for a route without a gateway and global otherwise; `ip route del`
 * matches any protocol, scope and type unless given.
 */
import { formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from "../ip/index.ts";
import { isNetlinkError } from "./errors.ts";
import { linkIndex, type LinkRef } from "./link.ts";
import {
  ROUTE_PROTOCOLS,
  ROUTE_TYPES,
  SCOPES,
  type RouteProtocol,
  type RouteType,
  type Scope,
} from "./names.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AttrSet,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NetlinkParseError,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_MULTIPATH,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTNH_F_ONLINK,
  RTN_UNICAST,
  RTN_UNSPEC,
  RTPROT_BOOT,
  RTPROT_UNSPEC,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
  attr,
  concatBytes,
  decodeRtMsg,
  encodeAttrs,
  encodeRtMsg,
  ipFromBytes,
  type Attr,
  type NetlinkConn,
  type NetlinkMessage,
} from "./wire/index.ts";

/** One path of a multipath route. */
export interface Nexthop {
  gw?: string;
  dev: number;
  /** `ip route ... weight W` (rtnh_hops + 1). */
  weight: number;
  flags: number;
}

/** A route as the kernel reports it. */
export interface Route {
  family: 4 | 6;
  /** The destination prefix; "0.0.0.0/0" or "::/0" for the default route. */
  dst: string;
  gw?: string;
  /** Output link's ifindex (RTA_OIF). */
  dev?: number;
  /** Preferred source address (RTA_PREFSRC, `ip route ... src A`). */
  src?: string;
  table: number;
  scope: Scope;
  protocol: RouteProtocol;
  type: RouteType;
  /** RTA_PRIORITY (`metric`). */
  metric?: number;
  /** RTAX_MTU of RTA_METRICS. */
  mtu?: number;
  /** RTAX_ADVMSS of RTA_METRICS. */
  advmss?: number;
  onlink: boolean;
  /** rtm_flags. */
  flags: number;
  tos: number;
  nexthops?: Nexthop[];
}

/** What routeAdd / routeReplace / routeDel take. */
export interface RouteSpec {
  /** A prefix ("10.1.0.0/16"); omitted, "default", "0.0.0.0/0" or "::/0" for the default route. */
  dst?: string;
  gw?: string;
  dev?: LinkRef;
  /** Preferred source address. */
  src?: string;
  /** Table id; main (254) by default. Ids above 255 travel in RTA_TABLE. */
  table?: number;
  scope?: Scope;
  protocol?: RouteProtocol;
  type?: RouteType;
  metric?: number;
  mtu?: number;
  advmss?: number;
  /** Treat the gateway as directly reachable (`onlink`). */
  onlink?: boolean;
  /** Needed only for a default route with neither gw nor src. */
  family?: 4 | 6;
}

export interface RouteListFilter {
  /** A table id, or "all" (RT_TABLE_UNSPEC) for every table. Default: main, as `ip route show`. */
  table?: number | "all";
  family?: 4 | 6;
  /** Only routes out of this link (RTA_OIF). */
  link?: LinkRef;
}

function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

function sameFamily(what: string, text: string, ip: IpAddress, family: 4 | 6): IpAddress {
  if (ip.family !== family) throw new RangeError(`Route ${what} ${text} is IPv${ip.family} in an IPv${family} route`);
  return ip;
}

/** The destination prefix and family of a spec. */
function destination(spec: RouteSpec): { dst: Cidr | undefined; family: 4 | 6 } {
  const text = spec.dst;
  if (text !== undefined && text !== "default") {
    const dst = parseCidr(text);
    return { dst: dst.prefix === 0 ? undefined : dst, family: dst.ip.family };
  }
  const family = spec.family ?? (spec.gw !== undefined ? parseIp(spec.gw).family : spec.src !== undefined ? parseIp(spec.src).family : undefined);
  if (family === undefined) throw new TypeError("Cannot tell the family of a default route: give family, gw or src");
  return { dst: undefined, family };
}

function describeRoute(spec: RouteSpec): string {
  const parts = [`route ${spec.dst ?? "default"}`];
  if (spec.gw !== undefined) parts.push(`via ${spec.gw}`);
  if (spec.dev !== undefined) parts.push(`dev ${typeof spec.dev === "object" ? (spec.dev.name ?? spec.dev.index) : spec.dev}`);
  if (spec.table !== undefined) parts.push(`table ${spec.table}`);
  return parts.join(" ");
}

function routeRequest(conn: NetlinkConn, spec: RouteSpec, forDelete: boolean): Uint8Array {
  const { dst, family } = destination(spec);
  const table = spec.table ?? RT_TABLE_MAIN;
  if (!Number.isInteger(table) || table < 1 || table > 0xffff_ffff) throw new RangeError(`Invalid route table ${table}`);
  const attrs: Attr[] = [];
  if (dst !== undefined) attrs.push(attr.ip(RTA_DST, dst.ip));
  if (spec.gw !== undefined) attrs.push(attr.ip(RTA_GATEWAY, sameFamily("gateway", spec.gw, parseIp(spec.gw), family)));
  if (spec.dev !== undefined) attrs.push(attr.u32(RTA_OIF, linkIndex(conn, spec.dev)));
  if (spec.src !== undefined) attrs.push(attr.ip(RTA_PREFSRC, sameFamily("source", spec.src, parseIp(spec.src), family)));
  if (spec.metric !== undefined) attrs.push(attr.u32(RTA_PRIORITY, spec.metric));
  attrs.push(attr.u32(RTA_TABLE, table));
  const metrics: Attr[] = [];
  if (spec.mtu !== undefined) metrics.push(attr.u32(RTAX_MTU, spec.mtu));
  if (spec.advmss !== undefined) metrics.push(attr.u32(RTAX_ADVMSS, spec.advmss));
  if (metrics.length > 0) attrs.push(attr.nest(RTA_METRICS, metrics));

  const type = spec.type !== undefined ? ROUTE_TYPES.value(spec.type) : forDelete ? RTN_UNSPEC : RTN_UNICAST;
  const protocol = spec.protocol !== undefined ? ROUTE_PROTOCOLS.value(spec.protocol) : forDelete ? RTPROT_UNSPEC : RTPROT_BOOT;
  let scope: number;
  if (spec.scope !== undefined) scope = SCOPES.value(spec.scope);
  else if (forDelete) scope = RT_SCOPE_NOWHERE;
  else if (type === ROUTE_TYPES.value("local") || type === ROUTE_TYPES.value("nat")) scope = SCOPES.value("host");
  else if (type === ROUTE_TYPES.value("broadcast") || type === ROUTE_TYPES.value("multicast") || type === ROUTE_TYPES.value("anycast")) scope = RT_SCOPE_LINK;
  else scope = spec.gw === undefined && type === RTN_UNICAST ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;

  const head = encodeRtMsg({
    family: afOf(family),
    dstLen: dst?.prefix ?? 0,
    table: table < 256 ? table : RT_TABLE_UNSPEC,
    protocol,
    scope,
    type,
    flags: spec.onlink ? RTNH_F_ONLINK : 0,
  });
  return concatBytes([head, encodeAttrs(attrs)]);
}

export function routeAdd(conn: NetlinkConn, spec: RouteSpec): void {
  conn.request(`add ${describeRoute(spec)}`, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, routeRequest(conn, spec, false));
}

export function routeReplace(conn: NetlinkConn, spec: RouteSpec): void {
  conn.request(`replace ${describeRoute(spec)}`, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, routeRequest(conn, spec, false));
}

export function routeDel(conn: NetlinkConn, spec: RouteSpec): void {
  conn.request(`delete ${describeRoute(spec)}`, RTM_DELROUTE, 0, routeRequest(conn, spec, true));
}

/** struct rtnexthop { unsigned short rtnh_len; unsigned char rtnh_flags, rtnh_hops; int rtnh_ifindex; } + attrs */
function decodeMultipath(data: Uint8Array): Nexthop[] {
  const out: Nexthop[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos + 8 <= data.length) {
    const len = view.getUint16(pos, true);
    if (len < 8 || pos + len > data.length) throw new NetlinkParseError(`Malformed rtnexthop at offset ${pos}: length ${len}`);
    const nh: Nexthop = { dev: view.getInt32(pos + 4, true), weight: view.getUint8(pos + 3) + 1, flags: view.getUint8(pos + 2) };
    const gw = AttrSet.parse(data.subarray(pos + 8, pos + len)).ipText(RTA_GATEWAY);
    if (gw !== undefined) nh.gw = gw;
    out.push(nh);
    pos += (len + 3) & ~3;
  }
  return out;
}

/** Decode an RTM_NEWROUTE; undefined for families other than IPv4 and IPv6. */
export function decodeRoute(msg: NetlinkMessage): Route | undefined {
  const { header, attrs } = decodeRtMsg(msg.payload);
  if (header.family !== AF_INET && header.family !== AF_INET6) return undefined;
  const family = header.family === AF_INET ? 4 : 6;
  const dstBytes = attrs.get(RTA_DST);
  const dstIp = dstBytes !== undefined ? ipFromBytes(dstBytes) : { family, value: 0n } as IpAddress;
  const r: Route = {
    family,
    dst: `${formatIp(dstIp)}/${header.dstLen}`,
    table: attrs.u32(RTA_TABLE) ?? header.table,
    scope: SCOPES.name(header.scope),
    protocol: ROUTE_PROTOCOLS.name(header.protocol),
    type: ROUTE_TYPES.name(header.type),
    onlink: (header.flags & RTNH_F_ONLINK) !== 0,
    flags: header.flags,
    tos: header.tos,
  };
  const gw = attrs.ipText(RTA_GATEWAY);
  if (gw !== undefined) r.gw = gw;
  const dev = attrs.u32(RTA_OIF);
  if (dev !== undefined) r.dev = dev;
  const src = attrs.ipText(RTA_PREFSRC);
  if (src !== undefined) r.src = src;
  const metric = attrs.u32(RTA_PRIORITY);
  if (metric !== undefined) r.metric = metric;
  const metrics = attrs.nested(RTA_METRICS);
  const mtu = metrics?.u32(RTAX_MTU);
  if (mtu !== undefined) r.mtu = mtu;
  const advmss = metrics?.u32(RTAX_ADVMSS);
  if (advmss !== undefined) r.advmss = advmss;
  const mp = attrs.get(RTA_MULTIPATH);
  if (mp !== undefined) r.nexthops = decodeMultipath(mp);
  return r;
}

export function routeList(conn: NetlinkConn, filter: RouteListFilter = {}): Route[] {
  const table = filter.table === "all" ? RT_TABLE_UNSPEC : (filter.table ?? RT_TABLE_MAIN);
  const oif = filter.link === undefined ? undefined : linkIndex(conn, filter.link);
  const attrs: Attr[] = [];
  if (table !== RT_TABLE_UNSPEC) attrs.push(attr.u32(RTA_TABLE, table));
  if (oif !== undefined) attrs.push(attr.u32(RTA_OIF, oif));
  const family = filter.family === undefined ? AF_UNSPEC : afOf(filter.family);
  const body = concatBytes([encodeRtMsg({ family, table: table < 256 ? table : RT_TABLE_UNSPEC }), encodeAttrs(attrs)]);
  let messages: NetlinkMessage[];
  try {
    messages = conn.dump("dump routes", RTM_GETROUTE, body);
  } catch (err) {
    // Asking for a table that has no routes yet: the kernel says ENOENT; the answer is none.
    if (table !== RT_TABLE_UNSPEC && isNetlinkError(err, "ENOENT")) return [];
    throw err;
  }
  const out: Route[] = [];
  for (const m of messages) {
    if (m.type !== RTM_NEWROUTE) continue;
    const r = decodeRoute(m);
    if (r === undefined) continue;
    if (filter.family !== undefined && r.family !== filter.family) continue;
    if (table !== RT_TABLE_UNSPEC && r.table !== table) continue;
    if (oif !== undefined && r.dev !== oif && !(r.nexthops ?? []).some((nh) => nh.dev === oif)) continue;
    out.push(r);
  }
  return out;
}

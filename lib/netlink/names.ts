/**
 * iproute2's names for the small numbers of rtnetlink: scopes, route types and protocols,
 * operational states, neighbour states. Each table reads both ways; a number without a name
 * stays a number (as `ip` prints it).
 */
import {
  IF_OPER_DORMANT,
  IF_OPER_DOWN,
  IF_OPER_LOWERLAYERDOWN,
  IF_OPER_NOTPRESENT,
  IF_OPER_TESTING,
  IF_OPER_UNKNOWN,
  IF_OPER_UP,
  NUD_DELAY,
  NUD_FAILED,
  NUD_INCOMPLETE,
  NUD_NOARP,
  NUD_NONE,
  NUD_PERMANENT,
  NUD_PROBE,
  NUD_REACHABLE,
  NUD_STALE,
  RTN_ANYCAST,
  RTN_BLACKHOLE,
  RTN_BROADCAST,
  RTN_LOCAL,
  RTN_MULTICAST,
  RTN_NAT,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTN_UNSPEC,
  RTN_XRESOLVE,
  RTPROT_BOOT,
  RTPROT_DHCP,
  RTPROT_KERNEL,
  RTPROT_RA,
  RTPROT_REDIRECT,
  RTPROT_STATIC,
  RTPROT_UNSPEC,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
} from "./wire/index.ts";

class NameTable<N extends string> {
  readonly #byValue: Map<number, N>;
  readonly #byName: Map<string, number>;
  readonly #what: string;

  constructor(what: string, entries: Record<N, number>) {
    this.#what = what;
    this.#byName = new Map(Object.entries(entries) as [N, number][]);
    this.#byValue = new Map(Array.from(this.#byName, ([n, v]) => [v, n as N]));
  }

  /** The name of a value, or the value itself when it has none. */
  name(value: number): N | number {
    return this.#byValue.get(value) ?? value;
  }

  /** The value of a name or number; throws RangeError for an unknown name or a number outside 0..max. */
  value(v: N | number, max = 255): number {
    if (typeof v === "number") {
      if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`Invalid ${this.#what} ${v}: expected 0..${max}`);
      return v;
    }
    const n = this.#byName.get(v);
    if (n === undefined) throw new RangeError(`Unknown ${this.#what} ${JSON.stringify(v)}: expected one of ${[...this.#byName.keys()].join(", ")}`);
    return n;
  }
}

/** Address and route scopes, named as by `ip` ("global" is RT_SCOPE_UNIVERSE). */
export type ScopeName = "global" | "site" | "link" | "host" | "nowhere";
export type Scope = ScopeName | number;
export const SCOPES = new NameTable<ScopeName>("scope", {
  global: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
});

export type RouteTypeName =
  | "unspec" | "unicast" | "local" | "broadcast" | "anycast" | "multicast" | "blackhole"
  | "unreachable" | "prohibit" | "throw" | "nat" | "xresolve";
export type RouteType = RouteTypeName | number;
export const ROUTE_TYPES = new NameTable<RouteTypeName>("route type", {
  unspec: RTN_UNSPEC,
  unicast: RTN_UNICAST,
  local: RTN_LOCAL,
  broadcast: RTN_BROADCAST,
  anycast: RTN_ANYCAST,
  multicast: RTN_MULTICAST,
  blackhole: RTN_BLACKHOLE,
  unreachable: RTN_UNREACHABLE,
  prohibit: RTN_PROHIBIT,
  throw: RTN_THROW,
  nat: RTN_NAT,
  xresolve: RTN_XRESOLVE,
});

export type RouteProtocolName = "unspec" | "redirect" | "kernel" | "boot" | "static" | "ra" | "dhcp";
export type RouteProtocol = RouteProtocolName | number;
export const ROUTE_PROTOCOLS = new NameTable<RouteProtocolName>("route protocol", {
  unspec: RTPROT_UNSPEC,
  redirect: RTPROT_REDIRECT,
  kernel: RTPROT_KERNEL,
  boot: RTPROT_BOOT,
  static: RTPROT_STATIC,
  ra: RTPROT_RA,
  dhcp: RTPROT_DHCP,
});

/** RFC 2863 operational state (IFLA_OPERSTATE), lowercased from `ip`'s UP/DOWN/... */
export type OperState = "unknown" | "notpresent" | "down" | "lowerlayerdown" | "testing" | "dormant" | "up";
export const OPER_STATES = new NameTable<OperState>("operational state", {
  unknown: IF_OPER_UNKNOWN,
  notpresent: IF_OPER_NOTPRESENT,
  down: IF_OPER_DOWN,
  lowerlayerdown: IF_OPER_LOWERLAYERDOWN,
  testing: IF_OPER_TESTING,
  dormant: IF_OPER_DORMANT,
  up: IF_OPER_UP,
});

/** Neighbour cache states (NUD_*), as `ip neigh` names them, lowercased. */
export type NeighStateName =
  | "none" | "incomplete" | "reachable" | "stale" | "delay" | "probe" | "failed" | "noarp" | "permanent";
export type NeighState = NeighStateName | number;
export const NEIGH_STATES = new NameTable<NeighStateName>("neighbour state", {
  none: NUD_NONE,
  incomplete: NUD_INCOMPLETE,
  reachable: NUD_REACHABLE,
  stale: NUD_STALE,
  delay: NUD_DELAY,
  probe: NUD_PROBE,
  failed: NUD_FAILED,
  noarp: NUD_NOARP,
  permanent: NUD_PERMANENT,
});

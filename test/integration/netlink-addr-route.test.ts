/**
 * lib/netlink addresses, routes and neighbours against the real kernel, inside throwaway
 * namespaces only, with iproute2 (`ip -j`) as the independent oracle.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  NetlinkError,
  openHandle,
  type Address,
  type NetlinkHandle,
  type Route,
  type RouteProtocol,
  type RouteType,
  type Scope,
} from "../../lib/netlink/index.ts";
import { TestNetns } from "../harness/index.ts";

interface IpAddrInfo {
  family: "inet" | "inet6";
  local: string;
  address?: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  noprefixroute?: boolean;
  nodad?: boolean;
  valid_life_time?: number;
}

interface IpRoute {
  type: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table: string;
  protocol: string;
  scope: string;
  prefsrc?: string;
  metric?: number;
  metrics?: { mtu?: number; advmss?: number }[];
}

let ns: TestNetns;
let h: NetlinkHandle;
beforeEach(() => {
  ns = TestNetns.create("a");
  h = openHandle(ns.path);
  // A link that can carry traffic: a veth pair, both ends up.
  h.linkAdd({ kind: "veth", name: "e0", peer: { name: "e1" } });
  h.linkSetUp("e0");
  h.linkSetUp("e1");
});
afterEach(() => {
  try {
    h.close();
  } finally {
    ns.destroy();
  }
});

function ipIndex(): Map<string, number> {
  return new Map((ns.ipJson(["link", "show"]) as { ifname: string; ifindex: number }[]).map((l) => [l.ifname, l.ifindex]));
}

/** `ip -j addr show` flattened into the fields berth's Address carries. */
function ipAddresses(): Partial<Address>[] {
  const links = ns.ipJson(["addr", "show"]) as { ifindex: number; addr_info: IpAddrInfo[] }[];
  return links.flatMap((l) =>
    l.addr_info.map((a) => {
      const out: Partial<Address> = {
        index: l.ifindex,
        family: a.family === "inet" ? 4 : 6,
        address: a.local,
        prefixLen: a.prefixlen,
        cidr: `${a.local}/${a.prefixlen}`,
        scope: a.scope as Scope,
      };
      if (a.address !== undefined) out.peer = a.address;
      if (a.broadcast !== undefined) out.broadcast = a.broadcast;
      if (a.label !== undefined) out.label = a.label;
      return out;
    }),
  );
}

function ours(a: Address): Partial<Address> {
  const out: Partial<Address> = { index: a.index, family: a.family, address: a.address, prefixLen: a.prefixLen, cidr: a.cidr, scope: a.scope };
  if (a.peer !== undefined) out.peer = a.peer;
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  if (a.label !== undefined) out.label = a.label;
  return out;
}

const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253 };

/** `ip -d -j route show table all`, both families, in berth's terms. */
function ipRoutes(): Partial<Route>[] {
  const index = ipIndex();
  const rows = [...(ns.ipJson(["-4", "-d", "route", "show", "table", "all"]) as IpRoute[]).map((r) => ({ r, family: 4 as const })),
    ...(ns.ipJson(["-6", "-d", "route", "show", "table", "all"]) as IpRoute[]).map((r) => ({ r, family: 6 as const }))];
  return rows.map(({ r, family }) => {
    const dst = r.dst === "default" ? (family === 4 ? "0.0.0.0/0" : "::/0") : r.dst.includes("/") ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
    const out: Partial<Route> = {
      family,
      dst,
      table: TABLE_NAMES[r.table] ?? Number(r.table),
      protocol: (/^\d+$/.test(r.protocol) ? Number(r.protocol) : r.protocol) as RouteProtocol,
      scope: r.scope as Scope,
      type: r.type as RouteType,
    };
    if (r.gateway !== undefined) out.gw = r.gateway;
    if (r.dev !== undefined) out.dev = index.get(r.dev);
    if (r.prefsrc !== undefined) out.src = r.prefsrc;
    if (r.metric !== undefined) out.metric = r.metric;
    const m = r.metrics?.[0];
    if (m?.mtu !== undefined) out.mtu = m.mtu;
    if (m?.advmss !== undefined) out.advmss = m.advmss;
    return out;
  });
}

function ourRoute(r: Route): Partial<Route> {
  const out: Partial<Route> = { family: r.family, dst: r.dst, table: r.table, protocol: r.protocol, scope: r.scope, type: r.type };
  for (const k of ["gw", "dev", "src", "metric", "mtu", "advmss"] as const) if (r[k] !== undefined) (out as Record<string, unknown>)[k] = r[k];
  return out;
}

const byKey = (a: Partial<Route | Address>, b: Partial<Route | Address>): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe("addresses, compared with ip -j", () => {
  it("adds IPv4 and IPv6 addresses that ip shows, with no broadcast unless asked", () => {
    h.addrAdd("e0", "10.20.0.2/24");
    h.addrAdd("e0", "10.21.0.2/24", { broadcast: "+", label: "e0:x" });
    h.addrAdd("e0", "FD00:0:0::0002/64", { noDad: true });
    const ip = ipAddresses().filter((a) => a.index === h.linkGet("e0").index);
    expect(ip).toContainEqual(expect.objectContaining({ cidr: "10.20.0.2/24", scope: "global" }));
    expect(ip.find((a) => a.cidr === "10.20.0.2/24")?.broadcast).toBeUndefined();
    expect(ip).toContainEqual(expect.objectContaining({ cidr: "10.21.0.2/24", broadcast: "10.21.0.255", label: "e0:x" }));
    expect(ip).toContainEqual(expect.objectContaining({ cidr: "fd00::2/64", family: 6 }));
    expect(h.addrList().map(ours).sort(byKey)).toEqual(ipAddresses().sort(byKey));
  });

  it("reads addresses made by ip, including a point-to-point peer and host-scoped loopback", () => {
    ns.run("ip", ["addr", "add", "10.30.0.1", "peer", "10.30.0.2/32", "dev", "e1"]);
    ns.run("ip", ["addr", "add", "fd01::1/64", "dev", "e1", "nodad"]);
    ns.run("ip", ["addr", "add", "127.0.0.2/8", "dev", "lo"]);
    const all = h.addrList();
    expect(all.map(ours).sort(byKey)).toEqual(ipAddresses().sort(byKey));
    expect(all).toContainEqual(expect.objectContaining({ address: "10.30.0.1", peer: "10.30.0.2", cidr: "10.30.0.1/32" }));
    expect(all).toContainEqual(expect.objectContaining({ address: "127.0.0.2", scope: "host", index: 1 }));
  });

  it("filters by link and family, sets flags, and deletes", () => {
    h.addrAdd("e0", "10.40.0.1/24", { noPrefixRoute: true });
    h.addrAdd("e1", "10.41.0.1/24");
    h.addrAdd("e1", "fd02::1/64", { noDad: true });
    const e1 = h.linkGet("e1").index;
    expect(h.addrList({ link: "e1", family: 4 }).map((a) => a.cidr)).toEqual(["10.41.0.1/24"]);
    expect(h.addrList({ link: e1, family: 6 }).map((a) => a.cidr)).toContain("fd02::1/64");
    const noroute = (ns.ipJson(["addr", "show", "dev", "e0"]) as { addr_info: IpAddrInfo[] }[])[0]?.addr_info.find((a) => a.local === "10.40.0.1");
    expect(noroute?.noprefixroute).toBe(true);
    expect(h.routeList().map((r) => r.dst)).not.toContain("10.40.0.0/24");
    h.addrDel("e1", "10.41.0.1/24");
    expect(ipAddresses().map((a) => a.cidr)).not.toContain("10.41.0.1/24");
    expect(() => h.addrDel("e1", "10.41.0.1/24")).toThrow(/^Cannot delete address 10\.41\.0\.1\/24 from link "e1": EADDRNOTAVAIL/);
  });

  it("replaces an address and refuses a duplicate add with the kernel's words", () => {
    h.addrAdd("e0", "10.50.0.1/24");
    expect(() => h.addrAdd("e0", "10.50.0.1/24")).toThrow(NetlinkError);
    expect(() => h.addrAdd("e0", "10.50.0.1/24")).toThrow(/EEXIST \(file exists\): ipv4: Address already assigned/);
    h.addrReplace("e0", "10.50.0.1/24", { validLft: 300, preferredLft: 200 });
    const info = (ns.ipJson(["addr", "show", "dev", "e0"]) as { addr_info: IpAddrInfo[] }[])[0]?.addr_info.find((a) => a.local === "10.50.0.1");
    expect(info?.valid_life_time).toBeGreaterThan(250);
    expect(info?.valid_life_time).toBeLessThanOrEqual(300);
    expect(h.addrList({ link: "e0", family: 4 })[0]).toMatchObject({ cidr: "10.50.0.1/24", preferredLft: expect.any(Number) });
    expect(h.addrList({ link: "e0", family: 4 })[0]?.validLft).toBeLessThanOrEqual(300);
  });
});

describe("routes, compared with ip -j", () => {
  beforeEach(() => {
    h.addrAdd("e0", "10.60.0.1/24");
    h.addrAdd("e0", "fd60::1/64", { noDad: true });
  });

  it("adds routes with a gateway, a metric, a source, metrics, and in a table above 255", () => {
    h.routeAdd({ dst: "10.61.0.0/16", gw: "10.60.0.254", metric: 77 });
    h.routeAdd({ dst: "10.62.0.0/16", dev: "e0", src: "10.60.0.1", mtu: 1400, advmss: 1360 });
    h.routeAdd({ dst: "default", gw: "10.60.0.254", table: 1000, src: "10.60.0.1" });
    h.routeAdd({ dst: "fd61::/64", gw: "fd60::fe", metric: 5 });
    h.routeAdd({ dst: "10.63.0.0/24", type: "blackhole" });

    // The kernel adds IPv6 local routes asynchronously (when the link comes up): compare once
    // both views agree, within a bounded wait, so the oracle and the library see the same moment.
    let all = h.routeList({ table: "all" });
    for (let i = 0; i < 40 && JSON.stringify(all.map(ourRoute).sort(byKey)) !== JSON.stringify(ipRoutes().sort(byKey)); i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      all = h.routeList({ table: "all" });
    }
    expect(all.map(ourRoute).sort(byKey)).toEqual(ipRoutes().sort(byKey));

    const e0 = h.linkGet("e0").index;
    expect(all).toContainEqual(expect.objectContaining({ dst: "10.61.0.0/16", gw: "10.60.0.254", metric: 77, dev: e0, table: 254, protocol: "boot", scope: "global" }));
    expect(all).toContainEqual(expect.objectContaining({ dst: "10.62.0.0/16", src: "10.60.0.1", mtu: 1400, advmss: 1360, scope: "link" }));
    expect(all).toContainEqual(expect.objectContaining({ dst: "0.0.0.0/0", table: 1000, gw: "10.60.0.254", src: "10.60.0.1" }));
    expect(all).toContainEqual(expect.objectContaining({ dst: "10.63.0.0/24", type: "blackhole" }));
    expect(all.some((r) => r.table === 255 && r.type === "local")).toBe(true);
  });

  it("lists the main table by default, one table, one family, one link, and an empty table", () => {
    h.routeAdd({ dst: "10.64.0.0/16", gw: "10.60.0.254" });
    h.routeAdd({ dst: "10.65.0.0/16", gw: "10.60.0.254", table: 300 });
    h.addrAdd("e1", "10.66.0.1/24");
    const main = h.routeList();
    expect(main.every((r) => r.table === 254)).toBe(true);
    expect(main.map((r) => r.dst)).toContain("10.64.0.0/16");
    expect(main.map((r) => r.dst)).not.toContain("10.65.0.0/16");
    expect(h.routeList({ table: 300 }).map((r) => r.dst)).toEqual(["10.65.0.0/16"]);
    expect(h.routeList({ family: 6 }).every((r) => r.family === 6)).toBe(true);
    expect(h.routeList({ link: "e1", family: 4 }).map((r) => r.dst)).toEqual(["10.66.0.0/24"]);
    expect(h.routeList({ table: 4242 })).toEqual([]);
    const ipMain = ipRoutes().filter((r) => r.table === 254);
    expect(main.map(ourRoute).sort(byKey)).toEqual(ipMain.sort(byKey));
  });

  it("replaces and deletes routes, and names the route in errors", () => {
    h.routeAdd({ dst: "10.67.0.0/16", gw: "10.60.0.254", metric: 10 });
    expect(() => h.routeAdd({ dst: "10.67.0.0/16", gw: "10.60.0.254", metric: 10 })).toThrow(/^Cannot add route 10\.67\.0\.0\/16 via 10\.60\.0\.254: EEXIST/);
    h.routeReplace({ dst: "10.67.0.0/16", gw: "10.60.0.253", metric: 10 });
    expect(ipRoutes()).toContainEqual(expect.objectContaining({ dst: "10.67.0.0/16", gw: "10.60.0.253" }));
    h.routeDel({ dst: "10.67.0.0/16", metric: 10 });
    expect(ipRoutes().map((r) => r.dst)).not.toContain("10.67.0.0/16");
    expect(() => h.routeDel({ dst: "10.67.0.0/16" })).toThrow(/ESRCH/);
    expect(() => h.routeAdd({ dst: "10.68.0.0/16", gw: "192.0.2.1" })).toThrow(/ENETUNREACH .*: Nexthop has invalid gateway/);
  });
});

describe("neighbours, compared with ip -j", () => {
  it("lists, adds and deletes neighbour entries", () => {
    h.addrAdd("e0", "10.70.0.1/24");
    ns.run("ip", ["neigh", "add", "10.70.0.9", "lladdr", "02:00:00:00:70:09", "dev", "e0", "nud", "reachable"]);
    h.neighAdd("e0", { ip: "10.70.0.8", mac: "02:00:00:00:70:08" });
    h.neighAdd("e0", { ip: "fd70::8", mac: "02:00:00:00:70:18" });
    const ip = ns.ipJson(["neigh", "show"]) as { dst: string; dev: string; lladdr?: string; state: string[] }[];
    const index = ipIndex();
    const theirs = ip.map((n) => ({ ip: n.dst, index: index.get(n.dev), mac: n.lladdr, state: n.state[0]?.toLowerCase() })).sort(byKey);
    // `ip neigh show` hides NUD_NOARP entries (multicast, broadcast) unless asked for them.
    const mine = h.neighList().filter((n) => n.state !== "noarp").map((n) => ({ ip: n.ip, index: n.index, mac: n.mac, state: n.state })).sort(byKey);
    expect(mine).toEqual(theirs);
    expect(mine).toContainEqual({ ip: "10.70.0.8", index: index.get("e0"), mac: "02:00:00:00:70:08", state: "permanent" });
    expect(h.neighList({ family: 6 }).filter((n) => n.state !== "noarp").map((n) => n.ip)).toEqual(["fd70::8"]);
    expect(h.neighList({ family: 6 }).every((n) => n.family === 6)).toBe(true);
    expect(h.neighList({ link: "e1" }).filter((n) => n.state !== "noarp")).toEqual([]);
    expect(h.neighList({ link: "e1" }).every((n) => n.index === index.get("e1"))).toBe(true);
    h.neighDel("e0", "10.70.0.8");
    expect((ns.ipJson(["neigh", "show"]) as { dst: string }[]).map((n) => n.dst)).not.toContain("10.70.0.8");
  });
});

/**
 * The object layer's requests, checked byte-level through a recording fake kernel (no root, no
 * sockets), and its decoders, checked against messages captured from the real kernel.
 */
import { describe, expect, it } from "vitest";
import { addrAdd, addrDel } from "./addr.ts";
import { decodeKind, encodeKind } from "./kinds/index.ts";
import { decodeLink, linkAdd, linkDel, linkGet, linkSetMaster, linkSetUp } from "./link.ts";
import { LinkNotFoundError } from "./errors.ts";
import { decodeRoute, routeAdd, routeDel, routeList } from "./route.ts";
import {
  AF_INET,
  AttrSet,
  IFF_UP,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_FLAGS,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_LABEL,
  IFA_LOCAL,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_VXLAN_ID,
  IFLA_VXLAN_PORT,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NetlinkConn,
  RTAX_MTU,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  VETH_INFO_PEER,
  attr,
  concatBytes,
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  decodeRtMsg,
  encodeAttrs,
  encodeMessage,
  encodeRtMsg,
  splitMessages,
  type NetlinkMessage,
  type Transport,
} from "./wire/index.ts";
import { NEWLINK_LO_REPLY, fromHex } from "./wire/testdata/kernel.ts";

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** A kernel that records each request and answers with `answer(req)` (default: a plain ack). */
class RecordingKernel implements Transport {
  readonly portId = 0;
  readonly sent: NetlinkMessage[] = [];
  #queue: Uint8Array[] = [];
  answer: (req: NetlinkMessage) => Uint8Array[] = (req) => [ack(req, 0)];

  send(bytes: Uint8Array): void {
    const req = splitMessages(bytes)[0] as NetlinkMessage;
    this.sent.push(req);
    this.#queue.push(...this.answer(req));
  }

  recv(): Uint8Array {
    const d = this.#queue.shift();
    if (d === undefined) throw new Error("no reply scripted");
    return d;
  }

  get last(): NetlinkMessage {
    return this.sent[this.sent.length - 1] as NetlinkMessage;
  }
}

function ack(req: NetlinkMessage, errno: number): Uint8Array {
  const echo = encodeMessage(req, new Uint8Array(0)).subarray(0, 16);
  return encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: req.seq, pid: 0 }, concatBytes([int32(-errno), echo]));
}

function setup(): { kernel: RecordingKernel; conn: NetlinkConn } {
  const kernel = new RecordingKernel();
  return { kernel, conn: new NetlinkConn(kernel) };
}

describe("link requests", () => {
  it("creates a veth whose peer is born in another namespace: IFLA_NET_NS_FD inside VETH_INFO_PEER's ifinfomsg", () => {
    const { kernel, conn } = setup();
    linkAdd(conn, { kind: "veth", name: "host0", mtu: 1400, peer: { name: "eth0", netnsFd: 37, mac: "02:00:00:00:00:01" } });
    const req = kernel.last;
    expect(req.type).toBe(RTM_NEWLINK);
    expect(req.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    const { header, attrs } = decodeIfInfoMsg(req.payload);
    expect(header.index).toBe(0);
    expect(attrs.str(IFLA_IFNAME)).toBe("host0");
    expect(attrs.u32(IFLA_MTU)).toBe(1400);
    expect(attrs.has(IFLA_NET_NS_FD)).toBe(false); // this end stays here
    const info = attrs.nested(IFLA_LINKINFO) as AttrSet;
    expect(info.str(IFLA_INFO_KIND)).toBe("veth");
    const data = info.nested(IFLA_INFO_DATA) as AttrSet;
    const peerRaw = data.list.find((a) => a.type === VETH_INFO_PEER);
    expect(peerRaw?.nested).toBe(false); // a struct-prefixed nest, as the kernel's policy expects
    const peer = decodeIfInfoMsg(peerRaw?.data ?? new Uint8Array());
    expect(peer.header).toMatchObject({ index: 0, flags: 0, change: 0 });
    expect(peer.attrs.str(IFLA_IFNAME)).toBe("eth0");
    expect(peer.attrs.u32(IFLA_NET_NS_FD)).toBe(37);
    expect(peer.attrs.mac(IFLA_ADDRESS)).toBe("02:00:00:00:00:01");
  });

  it("creates a macvlan with its parent as IFLA_LINK and the target namespace as IFLA_NET_NS_FD", () => {
    const { kernel, conn } = setup();
    linkAdd(conn, { kind: "macvlan", name: "mv0", parentIndex: 4, mode: "bridge", netnsFd: 12 });
    const { attrs } = decodeIfInfoMsg(kernel.last.payload);
    expect(attrs.u32(IFLA_LINK)).toBe(4);
    expect(attrs.u32(IFLA_NET_NS_FD)).toBe(12);
    expect(decodeKind("macvlan", attrs.nested(IFLA_LINKINFO)?.nested(IFLA_INFO_DATA))).toEqual({ kind: "macvlan", mode: "bridge", flags: 0 });
  });

  it("sends a vxlan port in network byte order", () => {
    const { kernel, conn } = setup();
    linkAdd(conn, { kind: "vxlan", name: "vx0", vni: 42, port: 4789 });
    const data = decodeIfInfoMsg(kernel.last.payload).attrs.nested(IFLA_LINKINFO)?.nested(IFLA_INFO_DATA) as AttrSet;
    expect(data.u32(IFLA_VXLAN_ID)).toBe(42);
    expect(Array.from(data.get(IFLA_VXLAN_PORT) ?? [])).toEqual([0x12, 0xb5]);
  });

  it("refuses bad names and kinds before sending anything", () => {
    const { kernel, conn } = setup();
    expect(() => linkAdd(conn, { kind: "bridge", name: "a-name-that-is-too-long" })).toThrow(/1 to 15 bytes/);
    expect(() => linkAdd(conn, { kind: "veth", name: "ok", peer: { name: "bad/name" } })).toThrow(RangeError);
    expect(() => linkAdd(conn, { kind: "vxlan", name: "vx", vni: 1 << 24 })).toThrow(/VXLAN id/);
    expect(() => linkAdd(conn, { kind: "macvlan", name: "mv", parentIndex: 1, mode: "bogus" as "bridge" })).toThrow(/macvlan mode/);
    expect(() => encodeKind({ kind: "dummy" } as never)).toThrow(/Unsupported link kind "dummy"/);
    expect(kernel.sent).toHaveLength(0);
  });

  it("selects a link by name with IFLA_IFNAME, by index in the ifinfomsg", () => {
    const { kernel, conn } = setup();
    linkDel(conn, "veth0");
    expect(kernel.last.type).toBe(RTM_DELLINK);
    expect(decodeIfInfoMsg(kernel.last.payload).attrs.str(IFLA_IFNAME)).toBe("veth0");
    linkSetUp(conn, 7);
    const up = decodeIfInfoMsg(kernel.last.payload);
    expect(up.header).toMatchObject({ index: 7, flags: IFF_UP, change: IFF_UP });
    expect(up.attrs.has(IFLA_IFNAME)).toBe(false);
    linkSetMaster(conn, 7, 3);
    expect(decodeIfInfoMsg(kernel.last.payload).attrs.u32(IFLA_MASTER)).toBe(3);
  });

  it("reports ENODEV about the named link as LinkNotFoundError", () => {
    const { kernel, conn } = setup();
    kernel.answer = (req) => [ack(req, 19)];
    expect(() => linkGet(conn, "ghost")).toThrow(LinkNotFoundError);
    expect(() => linkDel(conn, "ghost")).toThrow('Cannot delete link "ghost": ENODEV (no such device)');
  });
});

describe("address requests", () => {
  it("sends IFA_LOCAL and IFA_ADDRESS, and no broadcast unless asked (as `ip addr add`)", () => {
    const { kernel, conn } = setup();
    addrAdd(conn, 3, "10.0.0.2/24");
    expect(kernel.last.type).toBe(RTM_NEWADDR);
    const { header, attrs } = decodeIfAddrMsg(kernel.last.payload);
    expect(header).toEqual({ family: AF_INET, prefixLen: 24, flags: 0, scope: RT_SCOPE_UNIVERSE, index: 3 });
    expect(attrs.ipText(IFA_LOCAL)).toBe("10.0.0.2");
    expect(attrs.ipText(IFA_ADDRESS)).toBe("10.0.0.2");
    expect(attrs.has(IFA_BROADCAST)).toBe(false);
    expect(attrs.has(IFA_FLAGS)).toBe(false);
  });

  it("computes the broadcast for `brd +`, and carries label, flags and scope", () => {
    const { kernel, conn } = setup();
    addrAdd(conn, 3, "10.0.0.2/24", { broadcast: "+", label: "eth0:1", noPrefixRoute: true, noDad: true, scope: "link" });
    const { header, attrs } = decodeIfAddrMsg(kernel.last.payload);
    expect(attrs.ipText(IFA_BROADCAST)).toBe("10.0.0.255");
    expect(attrs.str(IFA_LABEL)).toBe("eth0:1");
    expect(attrs.u32(IFA_FLAGS)).toBe(IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
    expect(header.flags).toBe(IFA_F_NODAD); // the low byte also travels in the header
    expect(header.scope).toBe(RT_SCOPE_LINK);
  });

  it("gives loopback addresses host scope by default, and refuses a bad prefix", () => {
    const { kernel, conn } = setup();
    addrAdd(conn, 1, "127.0.0.2/8");
    expect(decodeIfAddrMsg(kernel.last.payload).header.scope).toBe(254);
    addrDel(conn, 1, "127.0.0.2/8");
    expect(() => addrAdd(conn, 1, "10.0.0.2/33")).toThrow(/prefix length/);
  });
});

describe("route requests", () => {
  it("puts a table above 255 in RTA_TABLE with rtm_table RT_TABLE_UNSPEC, and metrics in RTA_METRICS", () => {
    const { kernel, conn } = setup();
    routeAdd(conn, { dst: "10.1.0.0/16", gw: "10.0.0.1", table: 1000, metric: 20, mtu: 1400 });
    expect(kernel.last.type).toBe(RTM_NEWROUTE);
    const { header, attrs } = decodeRtMsg(kernel.last.payload);
    expect(header).toMatchObject({ family: AF_INET, dstLen: 16, table: 0, protocol: 3, scope: RT_SCOPE_UNIVERSE, type: 1 });
    expect(attrs.u32(RTA_TABLE)).toBe(1000);
    expect(attrs.ipText(RTA_DST)).toBe("10.1.0.0");
    expect(attrs.ipText(RTA_GATEWAY)).toBe("10.0.0.1");
    expect(attrs.u32(RTA_PRIORITY)).toBe(20);
    expect(attrs.nested(RTA_METRICS)?.u32(RTAX_MTU)).toBe(1400);
  });

  it("sends a default route without RTA_DST, scope link without a gateway, and matches anything on delete", () => {
    const { kernel, conn } = setup();
    routeAdd(conn, { dst: "default", gw: "fd00::1" });
    const def = decodeRtMsg(kernel.last.payload);
    expect(def.header).toMatchObject({ family: 10, dstLen: 0, table: 254 });
    expect(def.attrs.has(RTA_DST)).toBe(false);
    routeAdd(conn, { dst: "10.2.0.0/24", dev: 5 });
    expect(decodeRtMsg(kernel.last.payload).header.scope).toBe(RT_SCOPE_LINK);
    routeDel(conn, { dst: "10.2.0.0/24" });
    expect(kernel.last.type).toBe(RTM_DELROUTE);
    expect(decodeRtMsg(kernel.last.payload).header).toMatchObject({ protocol: 0, scope: RT_SCOPE_NOWHERE, type: 0, table: 254 });
    expect(() => routeAdd(conn, { gw: "10.0.0.1", dst: "fd00::/64" })).toThrow(/IPv4 in an IPv6 route/);
    expect(() => routeAdd(conn, { dev: 1 })).toThrow(/family of a default route/);
  });

  it("lists an absent table as empty (the kernel says ENOENT)", () => {
    const { kernel, conn } = setup();
    kernel.answer = (req) => [
      encodeMessage({ type: NLMSG_DONE, flags: 2, seq: req.seq, pid: 0 }, int32(-2)),
    ];
    expect(routeList(conn, { table: 77, family: 4 })).toEqual([]);
  });

  it("decodes a default route as 0.0.0.0/0 and reads the full table id from RTA_TABLE", () => {
    const payload = concatBytes([
      encodeRtMsg({ family: AF_INET, dstLen: 0, table: 0, protocol: 3, scope: 0, type: 1 }),
      encodeAttrs([attr.u32(RTA_TABLE, 1000), attr.ip(RTA_GATEWAY, { family: 4, value: 0x0a000001n })]),
    ]);
    const r = decodeRoute({ type: RTM_NEWROUTE, flags: 0, seq: 0, pid: 0, payload });
    expect(r).toMatchObject({ family: 4, dst: "0.0.0.0/0", table: 1000, gw: "10.0.0.1", protocol: "boot", type: "unicast", scope: "global" });
  });
});

describe("decoding the kernel's own messages", () => {
  it("decodes the captured RTM_NEWLINK for lo into a Link", () => {
    const msg = splitMessages(fromHex(NEWLINK_LO_REPLY))[0] as NetlinkMessage;
    const lo = decodeLink(msg);
    expect(lo).toMatchObject({
      index: 1,
      name: "lo",
      type: 772,
      up: false,
      operstate: "down",
      mtu: 65536,
      mac: "00:00:00:00:00:00",
      txQLen: 1000,
      promisc: false,
    });
    expect(lo.kind).toBeUndefined();
    expect(lo.masterIndex).toBeUndefined();
  });

  it("round-trips every kind's IFLA_INFO_DATA", () => {
    const cases = [
      { spec: { kind: "bridge", name: "b", stp: true, forwardDelay: 400, vlanFiltering: true, vlanDefaultPvid: 7, vlanProtocol: 0x88a8 }, info: { stp: true, forwardDelay: 400, vlanFiltering: true, vlanDefaultPvid: 7, vlanProtocol: 0x88a8 } },
      { spec: { kind: "macvlan", name: "m", parentIndex: 2, mode: "passthru", flags: 1 }, info: { mode: "passthru", flags: 1 } },
      { spec: { kind: "vxlan", name: "v", vni: 99, port: 4789, group: "239.1.1.1", local: "10.0.0.1", ttl: 5, learning: false, dev: 3 }, info: { vni: 99, port: 4789, group: "239.1.1.1", local: "10.0.0.1", ttl: 5, learning: false, dev: 3 } },
      { spec: { kind: "vxlan", name: "v6", vni: 1, group: "ff05::100", local: "fd00::1" }, info: { group: "ff05::100", local: "fd00::1" } },
    ] as const;
    for (const { spec, info } of cases) {
      const { infoData } = encodeKind(spec);
      const data = AttrSet.parse(encodeAttrs(infoData ?? []));
      expect(decodeKind(spec.kind, data)).toMatchObject({ kind: spec.kind, ...info });
    }
  });
});

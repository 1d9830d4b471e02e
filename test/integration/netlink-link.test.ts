/**
 * lib/netlink links against the real kernel, inside throwaway namespaces only, with iproute2
 * (`ip -j`) as the independent oracle.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  LinkNotFoundError,
  LinkWaitTimeoutError,
  NetlinkError,
  RTNLGRP_LINK,
  Subscription,
  decodeLinkEvent,
  openHandle,
  type Link,
  type LinkEvent,
  type NetlinkHandle,
} from "../../lib/netlink/index.ts";
import { Netns, withNetns } from "../../lib/netns/index.ts";
import { TestNetns, uniqueName } from "../harness/index.ts";

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address?: string;
  master?: string;
  txqlen?: number;
  ifalias?: string;
  /** The parent's name when ip can resolve it here, else link_index. */
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: {
    info_kind?: string;
    info_data?: Record<string, unknown>;
    info_slave_kind?: string;
    info_slave_data?: Record<string, unknown>;
  };
}

// Everything a test makes is undone in reverse order, even when the test fails.
const undo: (() => void)[] = [];
afterEach(() => {
  const errors: unknown[] = [];
  for (const fn of undo.splice(0).reverse()) {
    try {
      fn();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, "Cleanup failed");
});

function testNetns(): TestNetns {
  const ns = TestNetns.create("l");
  undo.push(() => ns.destroy());
  return ns;
}

function handleOn(ns: TestNetns): NetlinkHandle {
  const h = openHandle(ns.path);
  undo.push(() => h.close());
  return h;
}

function netnsOf(ns: TestNetns): Netns {
  const n = Netns.open(ns.path);
  undo.push(() => n.close());
  return n;
}

function ipLinks(ns: TestNetns): IpLink[] {
  return ns.ipJson(["-d", "link", "show"]) as IpLink[];
}

function ipLink(ns: TestNetns, name: string): IpLink {
  const found = ipLinks(ns).find((l) => l.ifname === name);
  if (found === undefined) throw new Error(`ip does not show ${name} in ${ns.name}`);
  return found;
}

/** What ip and berth must agree on for every link. */
function expectSameAsIp(ours: Link[], theirs: IpLink[]): void {
  expect(ours.map((l) => l.index).sort()).toEqual(theirs.map((l) => l.ifindex).sort());
  const nameOf = new Map(ours.map((l) => [l.index, l.name]));
  const indexOf = new Map(theirs.map((l) => [l.ifname, l.ifindex]));
  for (const ip of theirs) {
    const l = ours.find((x) => x.index === ip.ifindex) as Link;
    expect({
      name: l.name,
      mtu: l.mtu,
      mac: l.mac,
      up: l.up,
      operstate: l.operstate,
      kind: l.kind,
      master: l.masterIndex === undefined ? undefined : nameOf.get(l.masterIndex),
      txqlen: l.txQLen,
      parent: l.parentIndex,
      netnsid: l.linkNetnsId,
    }, ip.ifname).toEqual({
      name: ip.ifname,
      mtu: ip.mtu,
      mac: ip.address,
      up: ip.flags.includes("UP"),
      operstate: ip.operstate.toLowerCase(),
      kind: ip.linkinfo?.info_kind,
      master: ip.master,
      txqlen: ip.txqlen,
      parent: ip.link_index ?? (ip.link === undefined ? undefined : indexOf.get(ip.link)),
      netnsid: ip.link_netnsid,
    });
  }
}

describe("links, compared with ip -j", () => {
  it("reads links made by ip exactly as ip shows them", () => {
    const ns = testNetns();
    ns.run("ip", ["link", "add", "br0", "type", "bridge"]);
    ns.run("ip", ["link", "add", "v0", "mtu", "1400", "type", "veth", "peer", "name", "v1"]);
    ns.run("ip", ["link", "set", "v0", "master", "br0", "up"]);
    ns.run("ip", ["link", "set", "br0", "up"]);
    ns.run("ip", ["link", "set", "v1", "address", "02:aa:bb:cc:dd:01", "txqueuelen", "500"]);
    const h = handleOn(ns);
    expectSameAsIp(h.linkList(), ipLinks(ns));
    const v0 = h.linkGet("v0");
    expect(v0).toMatchObject({ kind: "veth", slaveKind: "bridge", mtu: 1400, up: true });
    expect(h.linkByIndex(v0.index).name).toBe("v0");
  });

  it("makes links that ip then shows as asked", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "bridge", name: "br1", mtu: 1450, mac: "02:00:00:00:00:b1", up: true });
    h.linkAdd({ kind: "veth", name: "hv0", mtu: 1450, peer: { name: "hv1", mac: "02:00:00:00:00:02" }, masterIndex: h.linkGet("br1").index });
    h.linkSetUp("hv1");
    const br = ipLink(ns, "br1");
    expect(br).toMatchObject({ mtu: 1450, address: "02:00:00:00:00:b1", linkinfo: { info_kind: "bridge" } });
    expect(br.flags).toContain("UP");
    expect(ipLink(ns, "hv0")).toMatchObject({ master: "br1", mtu: 1450 });
    expect(ipLink(ns, "hv1").flags).toContain("UP");
    expect(ipLink(ns, "hv1").address).toBe("02:00:00:00:00:02");
    expectSameAsIp(h.linkList(), ipLinks(ns));
  });

  it("changes mtu, address, alias, txqueuelen, promisc, state and name", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "veth", name: "c0", peer: { name: "c1" } });
    h.linkSetMtu("c0", 1300);
    h.linkSetMac("c0", "02:12:34:56:78:9a");
    h.linkSetAlias("c0", "berth test link");
    h.linkSetTxQLen("c0", 321);
    h.linkSetPromisc("c0", true);
    h.linkSetUp("c0");
    let ip = ipLink(ns, "c0");
    expect(ip).toMatchObject({ mtu: 1300, address: "02:12:34:56:78:9a", ifalias: "berth test link", txqlen: 321 });
    expect(ip.flags).toEqual(expect.arrayContaining(["UP", "PROMISC"]));
    expect(h.linkGet("c0")).toMatchObject({ alias: "berth test link", promisc: true, up: true });
    h.linkSetDown("c0");
    const index = h.linkGet("c0").index;
    h.linkSetName("c0", "renamed0");
    ip = ipLink(ns, "renamed0");
    expect(ip.ifindex).toBe(index);
    expect(ip.flags).not.toContain("UP");
    expect(h.linkFind("c0")).toBeUndefined();
    expect(h.linkByIndex(index).name).toBe("renamed0");
  });

  it("filters a link dump by master and by kind", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "bridge", name: "fb0" });
    h.linkAdd({ kind: "veth", name: "fa0", peer: { name: "fa1" } });
    h.linkAdd({ kind: "veth", name: "fc0", peer: { name: "fc1" } });
    h.linkSetMaster("fa0", "fb0");
    expect(h.linkList({ master: "fb0" }).map((l) => l.name)).toEqual(["fa0"]);
    expect(h.linkList({ kind: "veth" }).map((l) => l.name).sort()).toEqual(["fa0", "fa1", "fc0", "fc1"]);
    expect(h.linkList({ kind: "bridge" }).map((l) => l.name)).toEqual(["fb0"]);
  });
});

describe("veth with the peer born in another namespace", () => {
  it("creates both ends with one request and never moves a link", () => {
    const host = testNetns();
    const ctr = testNetns();
    const h = handleOn(host);
    const ctrFd = netnsOf(ctr);
    const name = uniqueName("h");
    // Listen in the source namespace from before the creation: a move would show there as
    // the peer appearing, then an RTM_DELLINK.
    const events = Subscription.open(host.path, [RTNLGRP_LINK]);
    undo.push(() => events.close());

    const t0 = performance.now();
    h.linkAdd({ kind: "veth", name, mtu: 1450, peer: { name: "eth0", netnsFd: ctrFd.fd, mac: "02:00:00:00:00:42", mtu: 1450 } });
    const elapsed = performance.now() - t0;

    const seen = events.drain().map(decodeLinkEvent).filter((e): e is LinkEvent => e !== undefined);
    expect(seen.filter((e) => e.action === "del")).toEqual([]);
    expect(seen.map((e) => e.link.name)).not.toContain("eth0");
    expect(seen.map((e) => e.link.name)).toContain(name);

    const hostEnd = ipLink(host, name);
    expect(hostEnd).toMatchObject({ mtu: 1450, linkinfo: { info_kind: "veth" } });
    expect(hostEnd.link_netnsid).toBeTypeOf("number");
    expect(host.linkNames()).not.toContain("eth0");
    const peer = ipLink(ctr, "eth0");
    expect(peer).toMatchObject({ mtu: 1450, address: "02:00:00:00:00:42", linkinfo: { info_kind: "veth" } });
    // Each end points at the other across the namespaces.
    expect(peer.link_index).toBe(hostEnd.ifindex);
    expect(hostEnd.link_index).toBe(peer.ifindex);
    const c = handleOn(ctr);
    expect(c.linkGet("eth0").parentIndex).toBe(h.linkGet(name).index);
    expect(elapsed).toBeLessThan(1000);
  });

  it("can create the host end in another namespace as well (IFLA_NET_NS_FD on both)", () => {
    const here = testNetns();
    const a = testNetns();
    const b = testNetns();
    const h = handleOn(here);
    h.linkAdd({ kind: "veth", name: "xa", netnsFd: netnsOf(a).fd, peer: { name: "xb", netnsFd: netnsOf(b).fd } });
    expect(here.linkNames()).toEqual(["lo"]);
    expect(a.linkNames()).toContain("xa");
    expect(b.linkNames()).toContain("xb");
  });

  it("moves a link on request (linkSetNetns), which ip then sees in the target", () => {
    const a = testNetns();
    const b = testNetns();
    const h = handleOn(a);
    h.linkAdd({ kind: "veth", name: "m0", peer: { name: "m1" } });
    h.linkSetNetns("m1", netnsOf(b));
    expect(a.linkNames()).not.toContain("m1");
    expect(b.linkNames()).toContain("m1");
  });
});

describe("bridge, macvlan, vxlan", () => {
  it("creates a bridge with settings, enslaves a port, sets port options and releases it", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "bridge", name: "sb0", stp: true, forwardDelay: 400, helloTime: 300, ageingTime: 6000 });
    h.linkAdd({ kind: "veth", name: "sp0", peer: { name: "sp1" } });
    const data = ipLink(ns, "sb0").linkinfo?.info_data ?? {};
    expect(data).toMatchObject({ stp_state: 1, forward_delay: 400, hello_time: 300, ageing_time: 6000 });
    expect(h.linkGet("sb0").info).toMatchObject({ kind: "bridge", stp: true, forwardDelay: 400, helloTime: 300, ageingTime: 6000 });

    h.linkSetMaster("sp0", "sb0");
    h.linkSetBridgePort("sp0", { hairpin: true, learning: false });
    const port = ipLink(ns, "sp0");
    expect(port.master).toBe("sb0");
    expect(port.linkinfo?.info_slave_data).toMatchObject({ hairpin: true, learning: false });
    expect(h.linkGet("sp0")).toMatchObject({ masterIndex: h.linkGet("sb0").index, slaveKind: "bridge", bridgePort: { hairpin: true, learning: false } });

    h.linkSetNoMaster("sp0");
    expect(ipLink(ns, "sp0").master).toBeUndefined();
    expect(h.linkGet("sp0").masterIndex).toBeUndefined();
  });

  it("refuses bridge VLAN filtering clearly where the kernel lacks it", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    try {
      h.linkAdd({ kind: "bridge", name: "vf0", vlanFiltering: true });
    } catch (err) {
      expect(err).toBeInstanceOf(NetlinkError);
      expect(err).toMatchObject({ code: "EOPNOTSUPP" });
      expect((err as Error).message).toMatch(/^Cannot add link "vf0": EOPNOTSUPP .*VLAN filtering/);
      return;
    }
    // A kernel with 802.1Q: then it must really be on.
    expect(ipLink(ns, "vf0").linkinfo?.info_data).toMatchObject({ vlan_filtering: 1 });
  });

  it("creates a macvlan on a veth parent directly in another namespace", () => {
    const host = testNetns();
    const ctr = testNetns();
    const h = handleOn(host);
    h.linkAdd({ kind: "veth", name: "par0", peer: { name: "par1" } });
    const parent = h.linkGet("par0");
    h.linkAdd({ kind: "macvlan", name: "mv0", parentIndex: parent.index, mode: "bridge", netnsFd: netnsOf(ctr).fd, mtu: 1400 });
    expect(host.linkNames()).not.toContain("mv0");
    const ip = ipLink(ctr, "mv0");
    expect(ip).toMatchObject({ mtu: 1400, linkinfo: { info_kind: "macvlan", info_data: { mode: "bridge" } } });
    expect(ip.link_netnsid).toBeTypeOf("number");
    const c = handleOn(ctr);
    const mv = c.linkGet("mv0");
    expect(mv).toMatchObject({ kind: "macvlan", info: { kind: "macvlan", mode: "bridge" }, parentIndex: parent.index });
    expect(mv.linkNetnsId).toBe(ip.link_netnsid);
    expectSameAsIp(c.linkList(), ipLinks(ctr));
  });

  it("explains a macvlan whose parent does not exist", () => {
    const h = handleOn(testNetns());
    expect(() => h.linkAdd({ kind: "macvlan", name: "mv9", parentIndex: 4242, mode: "private" })).toThrow(
      /Cannot add link "mv9": ENODEV .*parent link with index 4242/,
    );
  });

  it("creates a vxlan with a VNI, port and local address", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "vxlan", name: "vx0", vni: 4242, port: 4789, local: "10.99.0.1", ttl: 16, learning: false });
    const data = ipLink(ns, "vx0").linkinfo?.info_data ?? {};
    expect(data).toMatchObject({ id: 4242, port: 4789, local: "10.99.0.1", ttl: 16, learning: false });
    expect(h.linkGet("vx0").info).toMatchObject({ kind: "vxlan", vni: 4242, port: 4789, local: "10.99.0.1", ttl: 16, learning: false });
  });
});

describe("errors", () => {
  it("adding an existing link fails with EEXIST naming it", () => {
    const h = handleOn(testNetns());
    h.linkAdd({ kind: "bridge", name: "dup0" });
    let err: unknown;
    try {
      h.linkAdd({ kind: "bridge", name: "dup0" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: "EEXIST", errno: 17, op: 'add link "dup0"' });
    expect((err as Error).message).toMatch(/^Cannot add link "dup0": EEXIST \(file exists\)/);
  });

  it("a veth whose peer name is taken in the target namespace fails whole, naming both ends", () => {
    const host = testNetns();
    const ctr = testNetns();
    ctr.run("ip", ["link", "add", "eth0", "type", "bridge"]);
    const h = handleOn(host);
    expect(() => h.linkAdd({ kind: "veth", name: "taken0", peer: { name: "eth0", netnsFd: netnsOf(ctr).fd } })).toThrow(
      /^Cannot add link "taken0" with peer "eth0": EEXIST \(file exists\)/,
    );
    expect(host.linkNames()).toEqual(["lo"]);
  });

  it("looking up a missing link throws LinkNotFoundError; linkFind says undefined", () => {
    const h = handleOn(testNetns());
    expect(() => h.linkGet("nothere0")).toThrow(LinkNotFoundError);
    expect(() => h.linkGet("nothere0")).toThrow('Cannot find link "nothere0": ENODEV (no such device)');
    expect(() => h.linkByIndex(9999)).toThrow(LinkNotFoundError);
    expect(h.linkFind("nothere0")).toBeUndefined();
    expect(() => h.linkSetUp("nothere0")).toThrow(LinkNotFoundError);
  });

  it("deleting twice: the second delete throws LinkNotFoundError", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "veth", name: "dd0", peer: { name: "dd1" } });
    h.linkDel("dd0");
    expect(ns.linkNames()).toEqual(["lo"]); // the peer went with it
    let err: unknown;
    try {
      h.linkDel("dd0");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LinkNotFoundError);
    expect(err).toMatchObject({ code: "ENODEV", link: "dd0" });
    expect((err as Error).message).toBe('Cannot delete link "dd0": ENODEV (no such device)');
  });

  it("passes the kernel's extack text through", () => {
    const h = handleOn(testNetns());
    h.linkAdd({ kind: "veth", name: "mt0", peer: { name: "mt1" } });
    expect(() => h.linkSetMtu("mt0", 10)).toThrow(/^Cannot set mtu 10 on link "mt0": EINVAL \(invalid argument\): mtu less than device minimum$/);
  });
});

describe("the handle stays in its namespace", () => {
  it("keeps answering for its own namespace whatever namespace the thread is in", () => {
    const a = testNetns();
    const b = testNetns();
    const h = handleOn(a);
    h.linkAdd({ kind: "bridge", name: "onlya" });
    const seenFromB = withNetns(b.path, () => h.linkList().map((l) => l.name));
    expect(seenFromB).toContain("onlya");
    expect(b.linkNames()).toEqual(["lo"]);
    expect(h.netns.inode()).toBe(netnsOf(a).inode());
  });

  it("refuses use after close instead of touching a reused fd", () => {
    const h = openHandle(testNetns().path);
    h.close();
    h.close();
    expect(() => h.linkList()).toThrow(/closed/);
  });
});

describe("waitForLink", () => {
  it("returns as soon as a veth becomes operationally up, from events", () => {
    const host = testNetns();
    const ctr = testNetns();
    const h = handleOn(host);
    h.linkAdd({ kind: "veth", name: "w0", up: true, peer: { name: "w1", netnsFd: netnsOf(ctr).fd } });
    expect(h.linkGet("w0").operstate).not.toBe("up");
    // Bring the peer up from another process after a delay; this thread is blocked in the wait.
    spawn("sh", ["-c", `sleep 0.2; ip -n ${ctr.name} link set w1 up`], { stdio: "ignore" });
    const t0 = performance.now();
    const link = h.waitForLink("w0", (l) => l.operstate === "up", 5000);
    const waited = performance.now() - t0;
    expect(link.operstate).toBe("up");
    expect(waited).toBeGreaterThan(100);
    expect(waited).toBeLessThan(3000);
  });

  it("waits for a link that does not exist yet", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    spawn("sh", ["-c", `sleep 0.2; ip -n ${ns.name} link add late0 type bridge`], { stdio: "ignore" });
    const link = h.waitForLink("late0", () => true, 5000);
    expect(link.kind).toBe("bridge");
  });

  it("returns at once when the condition already holds, and times out naming the link otherwise", () => {
    const ns = testNetns();
    const h = handleOn(ns);
    h.linkAdd({ kind: "veth", name: "t0", peer: { name: "t1" } });
    expect(h.waitForLink("t0", (l) => !l.up, 1000).name).toBe("t0");
    const t0 = performance.now();
    let err: unknown;
    try {
      h.waitForLink("t0", (l) => l.operstate === "up", 300);
    } catch (e) {
      err = e;
    }
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(err).toBeInstanceOf(LinkWaitTimeoutError);
    expect(err).toMatchObject({ code: "ETIMEDOUT", link: "t0" });
    expect((err as Error).message).toMatch(/^Cannot wait for link "t0": ETIMEDOUT .*within 300 ms \(last seen down, operstate down\)/);
  });
});

/**
 * macvlan + host-local, black-box in a simulated host. This kernel has no dummy links, so the
 * macvlan's parent is a veth end in the simulated host whose peer sits in an "outside" namespace
 * (the wire the host's NIC would be plugged into), with an address in the containers' subnet.
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, sh, TestNetns, type PluginCall, type PluginOutput, ok, ping as pingOnce } from "../harness/index.ts";

const SUBNET = "10.77.0.0/24";
const OUTSIDE_IP = "10.77.0.1"; // host-local's default gateway: the outside plays the router

/** A simulated host with a veth parent (`parent`), its peer in `outside`, and N containers. */
class MacvlanEnv {
  readonly host: TestNetns;
  readonly outside: TestNetns;
  readonly containers: TestNetns[] = [];
  readonly dir: string;
  readonly parent: string;

  constructor(containers: number, opts: { parent?: string } = {}) {
    this.dir = mkdtempSync(`${tmpdir()}/berth-test-macvlan-`);
    this.parent = opts.parent ?? "mvpar0";
    this.host = TestNetns.create("h");
    try {
      this.outside = TestNetns.create("o");
      for (let i = 0; i < containers; i++) this.containers.push(TestNetns.create("c"));
      this.host.run("ip", ["link", "add", this.parent, "type", "veth", "peer", "name", "out0", "netns", this.outside.name]);
      this.host.run("ip", ["link", "set", this.parent, "up"]);
      this.outside.run("ip", ["link", "set", "out0", "up"]);
      this.outside.run("ip", ["addr", "add", `${OUTSIDE_IP}/24`, "dev", "out0"]);
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  ctr(i: number): TestNetns {
    const c = this.containers[i];
    if (c === undefined) throw new Error(`no container ${i}`);
    return c;
  }

  conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: "1.1.0",
      name: "mvnet",
      type: "macvlan",
      master: this.parent,
      stateDir: `${this.dir}/state`,
      ipam: { type: "host-local", dataDir: `${this.dir}/ipam`, ranges: [[{ subnet: SUBNET }]], ...ipam },
      ...extra,
    };
  }

  run(command: string, i: number, conf: Record<string, unknown>, over: Partial<PluginCall> = {}): PluginOutput {
    return execPlugin("macvlan", {
      command,
      containerId: `ctr-${i}`,
      netns: this.containers[i]?.path,
      ifname: "eth0",
      stdin: conf,
      host: this.host,
      ...over,
    });
  }

  /** Addresses host-local holds for the network. */
  reservations(network = "mvnet"): string[] {
    const dir = `${this.dir}/ipam/${network}`;
    return existsSync(dir) ? readdirSync(dir).filter((f) => /^[\d.]+$|:/.test(f)).sort() : [];
  }

  hasRecord(i: number, network = "mvnet"): boolean {
    return existsSync(`${this.dir}/state/${network}/ctr-${i}`);
  }

  destroy(): void {
    for (const c of this.containers) c.destroy();
    this.outside?.destroy();
    this.host.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let env: MacvlanEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});


const ping = (from: TestNetns, ip: string) => pingOnce(from, ip, 1);

type IpLink = {
  ifname: string;
  ifindex: number;
  link_index?: number;
  /** The parent's name when it is in the same namespace. */
  link?: string;
  mtu: number;
  address: string;
  flags: string[];
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
};
const link = (ns: TestNetns, name: string) => (ns.ipJson(["-d", "link", "show", name]) as IpLink[])[0]!;
const sysctl = (ns: TestNetns, path: string) => ns.run("cat", [`/proc/sys/${path}`]).trim();
const addrOf = (out: PluginOutput) => (out.json!.ips as { address: string }[])[0]!.address.split("/")[0]!;

describe("macvlan: containers on one parent", () => {
  it("two bridge-mode containers reach each other, and the outside reaches both", () => {
    env = new MacvlanEnv(2);
    const a = ok(env.run("ADD", 0, env.conf()));
    const b = ok(env.run("ADD", 1, env.conf()));
    const ipA = addrOf(a);
    const ipB = addrOf(b);
    expect([ipA, ipB]).toEqual(["10.77.0.2", "10.77.0.3"]);
    const eth0 = link(env.ctr(0), "eth0");
    expect(a.json).toEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: env.ctr(0).path }],
      ips: [{ address: "10.77.0.2/24", gateway: OUTSIDE_IP, interface: 0 }],
      routes: [],
    });
    expect(eth0.linkinfo).toMatchObject({ info_kind: "macvlan", info_data: { mode: "bridge" } });
    expect(eth0.flags).toContain("UP");
    expect(eth0.link_index).toBe(link(env.host, env.parent).ifindex); // its parent is the host's veth
    expect(env.host.linkNames().sort()).toEqual(["lo", env.parent].sort()); // nothing on the host side
    expect(sysctl(env.ctr(0), "net/ipv4/conf/eth0/arp_notify")).toBe("1");
    expect(ping(env.ctr(0), ipB)).toBe(true);
    expect(ping(env.ctr(1), ipA)).toBe(true);
    expect(ping(env.outside, ipA)).toBe(true);
    expect(ping(env.outside, ipB)).toBe(true);
    expect(ping(env.ctr(0), OUTSIDE_IP)).toBe(true);
  });

  it("dual stack: IPv6 crosses too, with ndisc_notify on", () => {
    env = new MacvlanEnv(2);
    const conf = env.conf({}, { ranges: [[{ subnet: SUBNET }], [{ subnet: "fd77::/64" }]] });
    const a = ok(env.run("ADD", 0, conf));
    ok(env.run("ADD", 1, conf));
    expect((a.json!.ips as { address: string }[]).map((i) => i.address)).toEqual(["10.77.0.2/24", "fd77::2/64"]);
    expect(sysctl(env.ctr(0), "net/ipv6/conf/eth0/ndisc_notify")).toBe("1");
    expect(ping(env.ctr(1), "fd77::2")).toBe(true);
  });

  it("mode private isolates containers from each other (not from the outside); bridge mode does not", () => {
    env = new MacvlanEnv(4);
    const priv = env.conf({ mode: "private" });
    ok(env.run("ADD", 0, priv));
    ok(env.run("ADD", 1, priv));
    expect(link(env.ctr(0), "eth0").linkinfo?.info_data?.mode).toBe("private");
    expect(ping(env.ctr(0), "10.77.0.3")).toBe(false);
    expect(ping(env.ctr(1), "10.77.0.2")).toBe(false);
    expect(ping(env.ctr(0), OUTSIDE_IP)).toBe(true);
    expect(ping(env.outside, "10.77.0.3")).toBe(true);
    // Two bridge-mode macvlans on the same parent, same subnet: they do reach each other.
    const bridged = env.conf({ name: "mvnet2", mode: "bridge" }, { ranges: [[{ subnet: SUBNET, rangeStart: "10.77.0.100" }]] });
    ok(env.run("ADD", 2, bridged));
    ok(env.run("ADD", 3, bridged));
    expect(ping(env.ctr(2), "10.77.0.101")).toBe(true);
  });

  it("mtu, a static MAC (runtimeConfig over CNI_ARGS over the mac key) and the mode are visible in the kernel", () => {
    env = new MacvlanEnv(2);
    const conf = env.conf({ mtu: 1400, mode: "vepa", mac: "02:00:00:00:00:01", runtimeConfig: { mac: "02:42:AC:11:00:09" }, capabilities: { mac: true } });
    const out = ok(env.run("ADD", 0, conf, { args: "MAC=02:00:00:00:00:02" }));
    const eth0 = link(env.ctr(0), "eth0");
    expect(eth0.mtu).toBe(1400);
    expect(eth0.address).toBe("02:42:ac:11:00:09");
    expect(eth0.linkinfo?.info_data?.mode).toBe("vepa");
    expect((out.json!.interfaces as { mac: string }[])[0]?.mac).toBe("02:42:ac:11:00:09");
    // Without runtimeConfig, CNI_ARGS MAC wins over the mac key; mtu 0 means the parent's.
    ok(env.run("ADD", 1, env.conf({ mtu: 0, mac: "02:00:00:00:00:01" }), { args: "MAC=02:00:00:00:00:02" }));
    expect(link(env.ctr(1), "eth0")).toMatchObject({ address: "02:00:00:00:00:02", mtu: 1500 });
  });

  it("an mtu above the parent's is refused (7) before anything is made", () => {
    env = new MacvlanEnv(1);
    const out = env.run("ADD", 0, env.conf({ mtu: 9000 }));
    expect(out.json?.code).toBe(7);
    expect(out.json?.details).toMatch(/mtu 9000 is above the MTU 1500 of master "mvpar0"/);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    expect(env.hasRecord(0)).toBe(false);
    expect(env.reservations()).toEqual([]);
  });

  it("the master defaults to the default-route interface (IPv4, then IPv6), even one named like CNI_IFNAME", () => {
    env = new MacvlanEnv(2, { parent: "eth0" });
    env.host.run("ip", ["route", "add", "default", "dev", "eth0"]);
    const conf = env.conf({ master: undefined });
    ok(env.run("ADD", 0, conf));
    expect(link(env.ctr(0), "eth0").link_index).toBe(link(env.host, "eth0").ifindex);
    expect(ping(env.outside, "10.77.0.2")).toBe(true);
    // Only an IPv6 default route left: it is used.
    env.host.run("ip", ["route", "del", "default"]);
    env.host.run("ip", ["-6", "route", "add", "default", "dev", "eth0"]);
    ok(env.run("ADD", 1, conf));
    expect(link(env.ctr(1), "eth0").link_index).toBe(link(env.host, "eth0").ifindex);
  });

  it("linkInContainer: the master is an interface inside the container's namespace", () => {
    env = new MacvlanEnv(1);
    env.ctr(0).run("ip", ["link", "add", "inpar", "type", "veth", "peer", "name", "out1", "netns", env.outside.name]);
    env.ctr(0).run("ip", ["link", "set", "inpar", "up"]);
    env.outside.run("ip", ["link", "set", "out1", "up"]);
    env.outside.run("ip", ["addr", "add", "10.78.0.1/24", "dev", "out1"]);
    const conf = env.conf({ master: "inpar", linkInContainer: true }, { ranges: [[{ subnet: "10.78.0.0/24" }]] });
    const add = ok(env.run("ADD", 0, conf));
    expect(link(env.ctr(0), "eth0").link).toBe("inpar");
    expect(ping(env.outside, "10.78.0.2")).toBe(true);
    ok(env.run("CHECK", 0, { ...conf, prevResult: add.json }));
    // The host's namespace has no "inpar": without linkInContainer the master is not found.
    expect(env.run("ADD", 0, env.conf({ master: "inpar" }), { ifname: "eth1" }).json?.details).toMatch(/"inpar" does not exist in the host's namespace/);
    ok(env.run("DEL", 0, conf));
    expect(env.ctr(0).linkNames().sort()).toEqual(["inpar", "lo"]);
  });

  it("without IPAM the interface is layer 2 only: up, no address", () => {
    env = new MacvlanEnv(1);
    const conf = { ...env.conf(), ipam: {} };
    const out = ok(env.run("ADD", 0, conf));
    expect(out.json).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "eth0", mac: link(env.ctr(0), "eth0").address, sandbox: env.ctr(0).path }] });
    expect(link(env.ctr(0), "eth0").flags).toContain("UP");
    const addrs = (env.ctr(0).ipJson(["-4", "addr", "show", "eth0"]) as { addr_info: unknown[] }[])[0]?.addr_info ?? [];
    expect(addrs).toEqual([]);
    ok(env.run("DEL", 0, conf));
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });

  it("config dns replaces IPAM's when non-empty", () => {
    env = new MacvlanEnv(1);
    const out = ok(env.run("ADD", 0, env.conf({ dns: { nameservers: ["10.77.0.53"] } })));
    expect(out.json?.dns).toEqual({ nameservers: ["10.77.0.53"] });
  });
});

describe("macvlan: errors leave nothing behind", () => {
  it("a missing master fails clearly naming the key, with no link, reservation or record", () => {
    env = new MacvlanEnv(1);
    const out = env.run("ADD", 0, env.conf({ master: "nosuch0" }));
    expect(out.status).not.toBe(0);
    expect(out.json?.msg).toMatch(/master/);
    expect(out.json?.details).toMatch(/master interface "nosuch0" does not exist in the host's namespace: create it, or set "master"/);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    expect(env.hasRecord(0)).toBe(false);
    expect(env.reservations()).toEqual([]);
    // No master and no default route: the error says to set "master".
    const none = env.run("ADD", 0, env.conf({ master: "" }));
    expect(none.json?.details).toMatch(/"master" is not set and the host's namespace has no default route .* set "master"/);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });

  it("an IPAM failure (pool exhausted) leaves no link and no record", () => {
    env = new MacvlanEnv(2);
    const conf = env.conf({}, { ranges: [[{ subnet: "10.77.0.0/30" }]] });
    ok(env.run("ADD", 0, conf));
    const out = env.run("ADD", 1, conf);
    expect(out.status).not.toBe(0);
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    expect(env.hasRecord(1)).toBe(false);
    expect(env.reservations()).toEqual(["10.77.0.2"]);
  });

  it("a kernel refusal (a second macvlan on a passthru parent) undoes the link, reservation and record", () => {
    env = new MacvlanEnv(2);
    const conf = env.conf({ mode: "passthru" });
    ok(env.run("ADD", 0, conf));
    const out = env.run("ADD", 1, conf);
    expect(out.json?.code).toBe(100);
    expect(out.json?.msg).toMatch(/Cannot create macvlan "eth0" on master "mvpar0"/);
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    expect(env.hasRecord(1)).toBe(false);
    expect(env.reservations()).toEqual(["10.77.0.2"]);
  });

  it("bcqueuelen sets the broadcast queue length, as ip shows it", () => {
    env = new MacvlanEnv(1);
    ok(env.run("ADD", 0, env.conf({ bcqueuelen: 123 })));
    const info = (env.ctr(0).ipJson(["-d", "link", "show", "eth0"]) as { linkinfo?: { info_data?: Record<string, unknown> } }[])[0]?.linkinfo?.info_data;
    expect(info).toMatchObject({ bcqueuelen: 123 });
  });

  it("bad keys: mode source and unknown modes (7), a negative bcqueuelen (7), a multicast MAC (7)", () => {
    env = new MacvlanEnv(1);
    const source = env.run("ADD", 0, env.conf({ mode: "source" }));
    expect(source.json).toMatchObject({ code: 7, msg: "invalid mode" });
    expect(source.json?.details).toMatch(/bridge, private, vepa, passthru/);
    expect(env.run("ADD", 0, env.conf({ mode: "l2" })).json?.code).toBe(7);
    expect(env.run("ADD", 0, env.conf({ bcqueuelen: -1 })).json).toMatchObject({ code: 7, msg: "invalid bcqueuelen" });
    expect(env.run("ADD", 0, env.conf({ mac: "01:00:5e:00:00:01" })).json?.code).toBe(7);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });

  it("an interface named CNI_IFNAME already in the container is refused and left alone", () => {
    env = new MacvlanEnv(1);
    env.ctr(0).run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    const out = env.run("ADD", 0, env.conf());
    expect(out.json?.msg).toMatch(/"eth0" already exists/);
    expect(env.ctr(0).linkNames().sort()).toEqual(["eth0", "eth0p", "lo"]);
    expect(env.reservations()).toEqual([]);
  });
});

describe("macvlan: DEL, CHECK, GC and STATUS", () => {
  it("DEL removes the link, the reservation and the record; again, and without CNI_NETNS, it succeeds", () => {
    env = new MacvlanEnv(3);
    const conf = env.conf();
    for (let i = 0; i < 3; i++) ok(env.run("ADD", i, conf));
    ok(env.run("DEL", 0, conf));
    ok(env.run("DEL", 0, conf));
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    // The runtime sends no CNI_NETNS: the record names the namespace, still there.
    ok(env.run("DEL", 1, conf, { netns: undefined }));
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    // The namespace is gone before DEL.
    env.ctr(2).destroy();
    ok(env.run("DEL", 2, conf, { netns: undefined }));
    ok(env.run("DEL", 2, conf, { netns: "/run/netns/gone-for-good" }));
    expect(env.reservations()).toEqual([]);
    for (let i = 0; i < 3; i++) expect(env.hasRecord(i)).toBe(false);
    // The master is not needed for DEL: it may be gone.
    ok(env.run("DEL", 0, env.conf({ master: "nosuch0" })));
  });

  it("DEL without CNI_NETNS leaves a namespace that took over the recorded path alone", () => {
    env = new MacvlanEnv(1);
    const conf = env.conf();
    ok(env.run("ADD", 0, conf));
    const path = env.ctr(0).path;
    const name = env.ctr(0).name;
    env.ctr(0).destroy();
    // A new namespace at the same path, with an unmarked macvlan "eth0" of its own.
    sh("ip", ["netns", "add", name]);
    try {
      sh("ip", ["-n", name, "link", "add", "p0", "type", "veth", "peer", "name", "p1"]);
      sh("ip", ["-n", name, "link", "add", "eth0", "link", "p0", "type", "macvlan"]);
      ok(env.run("DEL", 0, conf, { netns: undefined }));
      expect(sh("ip", ["-n", name, "-br", "link"])).toMatch(/^eth0@p0/m);
      expect(existsSync(path)).toBe(true);
      expect(env.reservations()).toEqual([]);
    } finally {
      sh("ip", ["netns", "del", name]);
    }
  });

  it("CHECK passes after ADD and names what differs (address, mode); prevResult is required", () => {
    env = new MacvlanEnv(1);
    const conf = env.conf();
    const add = ok(env.run("ADD", 0, conf)).json!;
    ok(env.run("CHECK", 0, { ...conf, prevResult: add }));
    env.ctr(0).run("ip", ["addr", "flush", "dev", "eth0"]);
    const out = env.run("CHECK", 0, { ...conf, prevResult: add });
    expect(out.json?.code).toBe(100);
    expect(out.json?.details).toMatch(/address 10\.77\.0\.2\/24 is missing from "eth0"/);
    const mode = env.run("CHECK", 0, { ...env.conf({ mode: "private" }), prevResult: add });
    expect(mode.json?.details).toMatch(/macvlan "eth0" is in mode bridge, not private.*address 10\.77\.0\.2\/24 is missing/);
    expect(env.run("CHECK", 0, conf).json?.msg).toMatch(/prevResult/);
  });

  it("GC with a partial valid list removes exactly the others; no list removes nothing", () => {
    env = new MacvlanEnv(4);
    const conf = env.conf();
    for (let i = 0; i < 4; i++) ok(env.run("ADD", i, conf));
    const valid = [0, 2].map((i) => ({ containerID: `ctr-${i}`, ifname: "eth0" }));
    const noAttachment = { containerId: undefined, netns: undefined, ifname: undefined };
    ok(env.run("GC", 0, { ...conf, "cni.dev/valid-attachments": valid }, noAttachment));
    expect(env.ctr(0).linkNames()).toContain("eth0");
    expect(env.ctr(2).linkNames()).toContain("eth0");
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    expect(env.ctr(3).linkNames()).toEqual(["lo"]);
    expect(env.reservations()).toEqual(["10.77.0.2", "10.77.0.4"]);
    expect([0, 1, 2, 3].map((i) => env!.hasRecord(i))).toEqual([true, false, true, false]);
    ok(env.run("GC", 0, conf, noAttachment));
    expect(env.ctr(0).linkNames()).toContain("eth0");
    expect(env.reservations()).toEqual(["10.77.0.2", "10.77.0.4"]);
  });

  it("STATUS fails with code 50 while the master is missing, and passes when it exists", () => {
    env = new MacvlanEnv(1);
    const noAttachment = { containerId: undefined, netns: undefined, ifname: undefined };
    ok(env.run("STATUS", 0, env.conf(), noAttachment));
    const out = env.run("STATUS", 0, env.conf({ master: "nosuch0" }), noAttachment);
    expect(out.json?.code).toBe(50);
    expect(out.json?.details).toMatch(/"nosuch0" does not exist/);
    // No master and no default route: not available either.
    expect(env.run("STATUS", 0, env.conf({ master: undefined }), noAttachment).json?.code).toBe(50);
    // An exhausted pool is IPAM's code 50 too.
    const small = env.conf({}, { ranges: [[{ subnet: "10.77.0.0/30" }]] });
    ok(env.run("ADD", 0, small));
    expect(env.run("STATUS", 0, small, noAttachment).json?.code).toBe(50);
  });
});

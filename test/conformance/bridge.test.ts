/** bridge + host-local, black-box in a simulated host: what a user of Docker's bridge notices. */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { BridgeEnv, DIST, TestNetns, ok, ping } from "../harness/index.ts";
import { berthRules, iptablesChains } from "../harness/iptables-rules.ts";

let env: BridgeEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});



type IpLink = { ifname: string; mtu: number; address: string; master?: string; flags: string[]; linkinfo?: { info_slave_data?: Record<string, unknown> } };

describe("bridge: two containers on one bridge", () => {
  it("they reach each other and the gateway, and the host reaches both", () => {
    env = new BridgeEnv(2);
    const a = ok(env.run("ADD", 0, env.conf())).json!;
    const b = ok(env.run("ADD", 1, env.conf())).json!;
    const ipA = (a.ips as { address: string }[])[0]!.address.split("/")[0]!;
    const ipB = (b.ips as { address: string }[])[0]!.address.split("/")[0]!;
    expect(ipA).not.toBe(ipB);
    expect(a.ips).toEqual([{ address: `${ipA}/24`, gateway: "10.88.0.1", interface: 2 }]);
    expect((a.interfaces as { name: string }[]).map((i) => i.name)).toEqual([env.bridge, expect.stringMatching(/^veth/), "eth0"]);
    expect(ping(env.ctr(0), ipB)).toBe(true);
    expect(ping(env.ctr(1), "10.88.0.1")).toBe(true);
    expect(ping(env.host, ipA)).toBe(true);
    expect(ping(env.host, ipB)).toBe(true);
    // The container side: eth0 with the address; the host side: veth ports of the bridge.
    const eth0 = env.ctr(0).ipJson(["-d", "link", "show", "eth0"]) as IpLink[];
    expect(eth0[0]?.flags).toContain("UP");
    const ports = env.host.ipJson(["link", "show", "master", env.bridge]) as IpLink[];
    expect(ports).toHaveLength(2);
  });

  it("IPv6 and dual stack: both families cross the bridge", () => {
    env = new BridgeEnv(2);
    const conf = env.conf({ isDefaultGateway: true }, { ranges: [[{ subnet: "10.88.0.0/24" }], [{ subnet: "fd00:88::/64" }]] });
    const a = ok(env.run("ADD", 0, conf)).json!;
    ok(env.run("ADD", 1, conf));
    const addrs = (a.ips as { address: string }[]).map((i) => i.address);
    expect(addrs).toEqual(["10.88.0.2/24", "fd00:88::2/64"]);
    expect(a.routes).toEqual([
      { dst: "0.0.0.0/0", gw: "10.88.0.1" },
      { dst: "::/0", gw: "fd00:88::1" },
    ]);
    expect(ping(env.ctr(1), "fd00:88::2")).toBe(true);
    expect(ping(env.ctr(1), "fd00:88::1")).toBe(true);
    expect(ping(env.ctr(0), "10.88.0.3")).toBe(true);
    const routes = env.ctr(0).ipJson(["-6", "route", "show", "default"]) as { gateway: string }[];
    expect(routes[0]?.gateway).toBe("fd00:88::1");
  });

  it("mtu, hairpin, port isolation and a static MAC are visible in the kernel", () => {
    env = new BridgeEnv(1);
    const conf = env.conf({ mtu: 1400, hairpinMode: true, portIsolation: true, runtimeConfig: { mac: "02:42:ac:11:00:09" }, capabilities: { mac: true } });
    const out = ok(env.run("ADD", 0, conf)).json!;
    const hostVeth = (out.interfaces as { name: string }[])[1]!.name;
    const [port] = env.host.ipJson(["-d", "link", "show", hostVeth]) as IpLink[];
    expect(port?.mtu).toBe(1400);
    expect(port?.master).toBe(env.bridge);
    expect(port?.linkinfo?.info_slave_data).toMatchObject({ hairpin: true, isolated: true });
    const [eth0] = env.ctr(0).ipJson(["link", "show", "eth0"]) as IpLink[];
    expect(eth0?.mtu).toBe(1400);
    expect(eth0?.address).toBe("02:42:ac:11:00:09");
    const [br] = env.host.ipJson(["link", "show", env.bridge]) as IpLink[];
    expect(br?.mtu).toBe(1400);
  });
});

describe("bridge: errors leave nothing behind", () => {
  it("an unknown ipMasqBackend is an invalid config (7) naming the key, and nothing is made", () => {
    env = new BridgeEnv(1);
    const out = env.run("ADD", 0, env.conf({ ipMasq: true, ipMasqBackend: "firewalld" }));
    expect(out.json?.code).toBe(7);
    expect(out.json?.msg).toMatch(/ipMasqBackend/);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });

  it("hairpinMode with promiscMode is an invalid config (7)", () => {
    env = new BridgeEnv(1);
    const out = env.run("ADD", 0, env.conf({ hairpinMode: true, promiscMode: true }));
    expect(out.json?.code).toBe(7);
  });

  it("a vlan on a kernel without bridge VLAN filtering fails clearly and leaves no link, address or record", () => {
    env = new BridgeEnv(1);
    const out = env.run("ADD", 0, env.conf({ vlan: 100 }));
    expect(out.status).not.toBe(0);
    expect(`${out.json?.msg} ${out.json?.details}`).toMatch(/VLAN|vlan|802\.1Q|EOPNOTSUPP/);
    expect(env.host.linkNames()).toEqual(["lo"]);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    expect(existsSync(`${env.dir}/state/testnet/ctr-0`)).toBe(false);
  });

  it("a vlan on an adopted bridge reaches the kernel as a port VLAN request, and its refusal undoes the ADD", () => {
    env = new BridgeEnv(1);
    env.host.run("ip", ["link", "add", env.bridge, "type", "bridge"]);
    const out = env.run("ADD", 0, env.conf({ vlan: 100, vlanTrunk: [{ minID: 200, maxID: 210 }] }));
    expect(out.status).not.toBe(0);
    expect(out.json?.msg).toMatch(/Cannot set VLANs on port/);
    expect(out.json?.details).toMatch(/vlan 100,200-210.*EOPNOTSUPP/);
    expect(env.host.linkNames().sort()).toEqual([env.bridge, "lo"].sort());
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    expect(readdirSync(`${env.dir}/ipam/testnet`).filter((f) => /^\d/.test(f))).toEqual([]);
  });

  it("an IPAM failure (pool exhausted) undoes the veth and the record", () => {
    env = new BridgeEnv(2);
    const conf = env.conf({}, { ranges: [[{ subnet: "10.88.0.0/30" }]] });
    ok(env.run("ADD", 0, conf));
    const out = env.run("ADD", 1, conf);
    expect(out.status).not.toBe(0);
    expect(out.json?.code).toBe(100);
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    expect((env.host.ipJson(["link", "show", "master", env.bridge]) as unknown[]).length).toBe(1);
    expect(existsSync(`${env.dir}/state/testnet/ctr-1`)).toBe(false);
  });
});

describe("bridge: DEL, CHECK and GC", () => {
  it("DEL removes the veth pair, the reservation and the record; DEL again and DEL without netns succeed", () => {
    env = new BridgeEnv(2);
    const conf = env.conf();
    ok(env.run("ADD", 0, conf));
    ok(env.run("ADD", 1, conf));
    ok(env.run("DEL", 0, conf));
    ok(env.run("DEL", 0, conf));
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    // The namespace of container 1 is gone before its DEL, and the runtime sends no CNI_NETNS.
    env.ctr(1).destroy();
    ok(env.run("DEL", 1, conf, { netns: undefined }));
    expect(env.host.linkNames().sort()).toEqual([env.bridge, "lo"].sort());
    expect(readdirSync(`${env.dir}/ipam/testnet`).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(existsSync(`${env.dir}/state/testnet/ctr-0`)).toBe(false);
    expect(existsSync(`${env.dir}/state/testnet/ctr-1`)).toBe(false);
  });

  it("CHECK passes after ADD and names what differs when an address is removed", () => {
    env = new BridgeEnv(1);
    const conf = env.conf();
    const add = ok(env.run("ADD", 0, conf)).json!;
    ok(env.run("CHECK", 0, { ...conf, prevResult: add }));
    env.ctr(0).run("ip", ["addr", "flush", "dev", "eth0"]);
    const out = env.run("CHECK", 0, { ...conf, prevResult: add });
    expect(out.status).not.toBe(0);
    expect(out.json?.details).toMatch(/10\.88\.0\.2\/24 is missing/);
    expect(env.run("CHECK", 0, conf).json?.msg).toMatch(/prevResult/);
  });

  it("GC with N-k valid attachments removes exactly the k others", () => {
    env = new BridgeEnv(4);
    const conf = env.conf();
    for (let i = 0; i < 4; i++) ok(env.run("ADD", i, conf));
    const valid = [0, 2].map((i) => ({ containerID: `ctr-${i}`, ifname: "eth0" }));
    ok(env.run("GC", 0, { ...conf, "cni.dev/valid-attachments": valid }, { containerId: undefined, netns: undefined, ifname: undefined }));
    expect(env.ctr(0).linkNames()).toContain("eth0");
    expect(env.ctr(2).linkNames()).toContain("eth0");
    expect(env.ctr(1).linkNames()).toEqual(["lo"]);
    expect(env.ctr(3).linkNames()).toEqual(["lo"]);
    expect((env.host.ipJson(["link", "show", "master", env.bridge]) as unknown[]).length).toBe(2);
    expect(readdirSync(`${env.dir}/ipam/testnet`).filter((f) => /^\d/.test(f)).sort()).toEqual(["10.88.0.2", "10.88.0.4"]);
    // No list at all means no information: nothing is removed.
    ok(env.run("GC", 0, conf, { containerId: undefined, netns: undefined, ifname: undefined }));
    expect(env.ctr(0).linkNames()).toContain("eth0");
  });

  it("STATUS reports an exhausted pool with code 50", () => {
    env = new BridgeEnv(1);
    const conf = env.conf({}, { ranges: [[{ subnet: "10.88.0.0/30" }]] });
    ok(env.run("STATUS", 0, conf));
    ok(env.run("ADD", 0, conf));
    expect(env.run("STATUS", 0, conf).json?.code).toBe(50);
  });
});

describe("bridge with static IPAM", () => {
  it("gives the container exactly the configured address and routes, and CHECK/DEL work", () => {
    env = new BridgeEnv(1);
    const conf = {
      ...env.conf(),
      ipam: { type: "static", addresses: [{ address: "10.99.0.7/24", gateway: "10.99.0.1" }], routes: [{ dst: "10.100.0.0/16" }] },
    };
    const add = ok(env.run("ADD", 0, conf)).json!;
    expect(add.ips).toEqual([{ address: "10.99.0.7/24", gateway: "10.99.0.1", interface: 2 }]);
    const [eth0] = env.ctr(0).ipJson(["addr", "show", "eth0"]) as { addr_info: { local: string; prefixlen: number; family: string }[] }[];
    expect(eth0?.addr_info.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`)).toEqual(["10.99.0.7/24"]);
    const routes = env.ctr(0).ipJson(["route", "show", "10.100.0.0/16"]) as { gateway?: string }[];
    expect(routes[0]?.gateway).toBe("10.99.0.1");
    expect(ping(env.host, "10.99.0.7")).toBe(true);
    ok(env.run("CHECK", 0, { ...conf, prevResult: add }));
    ok(env.run("DEL", 0, conf));
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });
});

describe.each(["nftables", "iptables"] as const)("bridge with ipMasq (%s)", (backend) => {
  it("containers reach the outside, which sees the host's address; the rules do not grow with containers", async () => {
    env = new BridgeEnv(3);
    const e = env;
    const outside = TestNetns.create("x");
    try {
      // The simulated host's uplink to the "outside"; the outside has no route back to 10.88.0.0/24.
      e.host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", outside.path]);
      e.host.run("ip", ["addr", "add", "10.254.0.1/24", "dev", "up0"]);
      e.host.run("ip", ["link", "set", "up0", "up"]);
      outside.run("ip", ["addr", "add", "10.254.0.2/24", "dev", "wan0"]);
      outside.run("ip", ["link", "set", "wan0", "up"]);
      const server = spawn("nsenter", [`--net=${outside.path}`, "--", process.execPath, "-e",
        'require("node:http").createServer((q, r) => r.end(q.socket.remoteAddress)).listen(18081, "10.254.0.2")'], { stdio: "ignore" });
      try {
        outside.waitForPort("10.254.0.2", 18081);
        const conf = e.conf({ isDefaultGateway: true, ipMasq: true, ipMasqBackend: backend });
        const adds = [0, 1, 2].map((i) => ok(e.run("ADD", i, conf)).json!);
        expect(ping(e.ctr(0), "10.254.0.2")).toBe(true);
        const seen = e.ctr(1).run(process.execPath, ["-e", 'fetch("http://10.254.0.2:18081").then(r => r.text()).then(t => process.stdout.write(t))']);
        expect(seen).toBe("10.254.0.1");
        if (backend === "nftables") {
          const rules = e.host.run("nft", ["list", "table", "inet", "berth"]).split("\n").filter((l) => /masquerade comment "berth:testnet"/.test(l));
          expect(rules).toHaveLength(1); // one rule for the network (IPv4), whatever the container count
        } else {
          // One jump for the subnet into the network's chain, whatever the container count.
          expect(berthRules(e.host).filter((r) => r.comment === "berth: ipMasq testnet 10.88.0.0/24").map((r) => r.line)).toEqual([
            expect.stringMatching(/^-A BERTH-POSTROUTING -s 10\.88\.0\.0\/24 ! -d 10\.88\.0\.0\/24 .*-j BERTH-M-testnet-/),
          ]);
          expect(() => e.host.run("nft", ["list", "table", "inet", "berth"])).toThrow();
        }
        // CHECK sees the rules, and names them once someone flushed them.
        ok(e.run("CHECK", 0, { ...conf, prevResult: adds[0] }));
        if (backend === "nftables") e.host.run("nft", ["flush", "chain", "inet", "berth", e.host.run("nft", ["list", "table", "inet", "berth"]).match(/chain (masq_\w+)/)![1]!]);
        else e.host.run("iptables-nft", ["-t", "nat", "-F", iptablesChains(e.host).find((c) => c.startsWith("BERTH-M-"))!]);
        expect(e.run("CHECK", 0, { ...conf, prevResult: adds[0] }).json?.details).toMatch(/masquerade rules/);
        {
          // Repair: the CLI re-applies the recorded rules (of either backend), and everything works again.
          e.host.run("nft", ["flush", "ruleset"]);
          expect(e.host.run(`${DIST}/berth`, ["firewall", "reapply", "--state-dir", `${e.dir}/state`])).toMatch(/re-applied masquerade of testnet/);
          ok(e.run("CHECK", 0, { ...conf, prevResult: adds[0] }));
          expect(ping(e.ctr(2), "10.254.0.2")).toBe(true);
        }
        // The network's masquerade stays while it has containers, and goes with the last one.
        ok(e.run("DEL", 0, conf));
        ok(e.run("DEL", 1, conf));
        expect(ping(e.ctr(2), "10.254.0.2")).toBe(true);
        ok(e.run("DEL", 2, conf));
        if (backend === "nftables") {
          const table = e.host.run("nft", ["list", "table", "inet", "berth"]);
          expect(table).not.toMatch(/chain masq_/);
          expect(table).not.toMatch(/10\.88\.0\.0\/24 : jump/);
        }
      } finally {
        server.kill("SIGKILL");
        await new Promise((r) => server.once("exit", r));
      }
    } finally {
      outside.destroy();
    }
  });
});

describe("bridge: macspoofchk", () => {
  it("drops frames a container sends from another MAC; CHECK names a missing element; DEL removes its elements", () => {
    env = new BridgeEnv(2);
    const e = env;
    const conf = e.conf({ macspoofchk: true });
    const a = ok(e.run("ADD", 0, conf)).json!;
    ok(e.run("ADD", 1, conf));
    expect(ping(e.ctr(0), "10.88.0.3")).toBe(true);
    const table = e.host.run("nft", ["list", "table", "bridge", "berth"]);
    const mac = (a.interfaces as { mac?: string; sandbox?: string }[]).find((i) => i.sandbox)!.mac!;
    expect(table).toContain(mac);
    // The container changes its MAC: its frames no longer pass the bridge.
    e.ctr(0).run("ip", ["link", "set", "eth0", "address", "02:42:de:ad:be:ef"]);
    e.ctr(0).run("ip", ["neigh", "flush", "all"]);
    expect(ping(e.ctr(0), "10.88.0.3", 1)).toBe(false);
    e.ctr(0).run("ip", ["link", "set", "eth0", "address", mac]);
    expect(ping(e.ctr(0), "10.88.0.3")).toBe(true);
    ok(e.run("CHECK", 0, { ...conf, prevResult: a }));
    e.host.run("nft", ["flush", "set", "bridge", "berth", "mac_ok"]);
    expect(e.run("CHECK", 0, { ...conf, prevResult: a }).json?.details).toMatch(/MAC spoof check element mac_ok/);
    ok(e.run("DEL", 0, conf));
    ok(e.run("DEL", 1, conf));
    expect(e.host.run("nft", ["list", "set", "bridge", "berth", "mac_ports"])).not.toMatch(/elements/);
  });
});

describe("bridge: STATUS probes the kernel", () => {
  it("answers 0 after creating a bridge and a veth in a scratch namespace (once a boot), 50 naming what the kernel lacks", () => {
    env = new BridgeEnv(0);
    const e = env;
    const conf = e.conf();
    const before = e.host.linkNames();
    ok(e.run("STATUS", 0, conf, { containerId: "", netns: "", ifname: "" }));
    expect(e.host.linkNames()).toEqual(before); // the probe ran elsewhere
    const file = `${e.dir}/state/.kernel-probe.json`;
    const probe = JSON.parse(readFileSync(file, "utf8")) as { bootId: string; results: Record<string, string[]> };
    expect(probe.results["bridge,veth"]).toEqual([]);
    // A kernel without bridges (forged answer for this boot): STATUS says so with code 50.
    writeFileSync(file, JSON.stringify({ bootId: probe.bootId, results: { "bridge,veth": ["bridge (Operation not supported)"] } }));
    const out = e.run("STATUS", 0, conf, { containerId: "", netns: "", ifname: "" });
    expect(out.json?.code).toBe(50);
    expect(out.json?.details).toMatch(/creating bridge \(Operation not supported\) failed/);
  });
});

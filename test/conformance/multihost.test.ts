/**
 * Several hosts on one container network: two simulated hosts joined by an underlay veth, a
 * bridge network on each joined into a VXLAN overlay (bridge key `vxlan`), per-host IPAM ranges;
 * and the `uplink` recipe (br0 + em1) putting a container on the host's "physical" network.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { TestNetns, execPlugin, ok, ping } from "../harness/index.ts";

const made: TestNetns[] = [];
let dir: string | undefined;
const ns = (p: string) => {
  const n = TestNetns.create(p);
  made.push(n);
  return n;
};
afterEach(() => {
  for (const n of made.splice(0).reverse()) n.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});


describe("multi-host", () => {
  it("containers on two hosts share one subnet over VXLAN, with per-host ranges", () => {
    dir = mkdtempSync(`${tmpdir()}/berth-test-mh-`);
    const hosts = [ns("h"), ns("h")] as const;
    hosts[0].run("ip", ["link", "add", "ul0", "type", "veth", "peer", "name", "ul1", "netns", hosts[1].path]);
    const underlay = ["10.200.0.1", "10.200.0.2"];
    hosts.forEach((h, i) => {
      h.run("ip", ["addr", "add", `${underlay[i]}/24`, "dev", `ul${i}`]);
      h.run("ip", ["link", "set", `ul${i}`, "up"]);
    });
    // Count VXLAN datagrams arriving at host 2 (an nft table inside the simulated host only).
    hosts[1].run("nft", ["-f", "-"], "table inet count {\n chain in {\n  type filter hook input priority 0;\n  udp dport 4789 counter\n }\n}\n");

    const conf = (i: number) => ({
      cniVersion: "1.1.0",
      name: "overlay",
      type: "bridge",
      bridge: "brvx",
      vxlan: { vni: 42, local: underlay[i], remotes: [underlay[1 - i]] },
      stateDir: `${dir}/state${i}`,
      ipam: {
        type: "host-local",
        dataDir: `${dir}/ipam${i}`,
        ranges: [[{ subnet: "10.90.0.0/24", rangeStart: i === 0 ? "10.90.0.10" : "10.90.0.100", rangeEnd: i === 0 ? "10.90.0.99" : "10.90.0.199" }]],
      },
    });
    const ctrs = [ns("c"), ns("c"), ns("c"), ns("c")];
    const addrs = ctrs.map((c, k) => {
      const h = Math.floor(k / 2);
      const out = ok(execPlugin("bridge", { command: "ADD", containerId: `mh-${k}`, netns: c.path, ifname: "eth0", stdin: conf(h), host: hosts[h] }));
      return (out.json?.ips as { address: string }[])[0]!.address.split("/")[0]!;
    });
    expect(addrs).toEqual(["10.90.0.10", "10.90.0.11", "10.90.0.100", "10.90.0.101"]);
    for (const [from, to] of [[0, 2], [0, 3], [1, 2], [1, 3], [2, 0], [3, 1], [0, 1], [2, 3]] as const) {
      expect(ping(ctrs[from]!, addrs[to]!), `${from} → ${to}`).toBe(true);
    }
    const counted = hosts[1].run("nft", ["list", "table", "inet", "count"]);
    const packets = Number(/counter packets (\d+)/.exec(counted)?.[1] ?? "0");
    expect(packets).toBeGreaterThan(0);
    const [vx] = hosts[0].ipJson(["-d", "link", "show", "vx42"]) as { master?: string; linkinfo?: { info_data?: { id?: number; port?: number } } }[];
    expect(vx).toMatchObject({ master: "brvx", linkinfo: { info_data: { id: 42, port: 4789 } } });
    ctrs.forEach((c, k) => ok(execPlugin("bridge", { command: "DEL", containerId: `mh-${k}`, netns: c.path, ifname: "eth0", stdin: conf(Math.floor(k / 2)), host: hosts[Math.floor(k / 2)] })));
  });

  it("the uplink recipe puts a container on the simulated host's physical network", () => {
    dir = mkdtempSync(`${tmpdir()}/berth-test-mh-`);
    const host = ns("h");
    const lan = ns("l"); // the "physical" LAN beyond the host's em1
    host.run("ip", ["link", "add", "em1", "type", "veth", "peer", "name", "lan0", "netns", lan.path]);
    lan.run("ip", ["addr", "add", "10.150.0.1/24", "dev", "lan0"]);
    lan.run("ip", ["link", "set", "lan0", "up"]);
    const ctr = ns("c");
    const conf = {
      cniVersion: "1.1.0",
      name: "physnet",
      type: "bridge",
      bridge: "br0",
      uplink: "em1",
      stateDir: `${dir}/state`,
      ipam: { type: "host-local", dataDir: `${dir}/ipam`, ranges: [[{ subnet: "10.150.0.0/24", rangeStart: "10.150.0.100", rangeEnd: "10.150.0.150", gateway: "10.150.0.1" }]] },
    };
    const out = ok(execPlugin("bridge", { command: "ADD", containerId: "up-1", netns: ctr.path, ifname: "eth0", stdin: conf, host }));
    expect(out.json?.ips).toEqual([{ address: "10.150.0.100/24", gateway: "10.150.0.1", interface: 2 }]);
    const [em1] = host.ipJson(["link", "show", "em1"]) as { master?: string }[];
    expect(em1?.master).toBe("br0");
    expect(ping(ctr, "10.150.0.1")).toBe(true);
    expect(ping(lan, "10.150.0.100")).toBe(true);
    ok(execPlugin("bridge", { command: "DEL", containerId: "up-1", netns: ctr.path, ifname: "eth0", stdin: conf, host }));
    expect(execPlugin("bridge", { command: "ADD", containerId: "up-2", netns: ctr.path, ifname: "eth0", stdin: { ...conf, uplink: "nosuch0" }, host }).json?.msg).toMatch(/Uplink "nosuch0" does not exist/);
  });
});

/** ptp, black-box in a simulated host: routed veth pairs, no bridge. */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { BridgeEnv, REFERENCE_BIN, TestNetns, ok, ping } from "../harness/index.ts";

let env: BridgeEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});


function ptpConf(e: BridgeEnv, extra: Record<string, unknown> = {}, ranges: unknown = [[{ subnet: "10.70.0.0/24" }]]) {
  return { cniVersion: "1.1.0", name: "ptpnet", type: "ptp", stateDir: `${e.dir}/state`, ipam: { type: "host-local", dataDir: `${e.dir}/ipam`, ranges }, ...extra };
}

describe("ptp", () => {
  it("routes host and containers to each other through per-container veth pairs", () => {
    env = new BridgeEnv(2);
    const conf = ptpConf(env, { mtu: 1450 });
    const a = ok(env.run("ADD", 0, conf, {}, "ptp")).json!;
    ok(env.run("ADD", 1, conf, {}, "ptp"));
    expect(a.ips).toEqual([{ address: "10.70.0.2/24", gateway: "10.70.0.1", interface: 1 }]);
    expect((a.interfaces as { name: string; sandbox?: string }[]).map((i) => [i.name.replace(/^veth.*/, "veth*"), i.sandbox])).toEqual([
      ["veth*", undefined],
      ["eth0", env.ctr(0).path],
    ]);
    expect(ping(env.host, "10.70.0.2")).toBe(true);
    expect(ping(env.ctr(0), "10.70.0.1")).toBe(true);
    expect(ping(env.ctr(0), "10.70.0.3")).toBe(true); // container to container, routed by the host
    // The reference layout: the gateway as a /32 on the host veth, a /32 host route to the container,
    // and in the container a link route to the gateway and the subnet via it (no prefix route).
    const hostVeth = (a.interfaces as { name: string }[])[0]!.name;
    const addrs = (env.host.ipJson(["addr", "show", hostVeth]) as { addr_info: { local: string; prefixlen: number; family: string }[] }[])[0]!.addr_info;
    expect(addrs.filter((x) => x.family === "inet").map((x) => `${x.local}/${x.prefixlen}`)).toEqual(["10.70.0.1/32"]);
    expect(env.host.ipJson(["route", "show", "10.70.0.2"])).toEqual([expect.objectContaining({ dst: "10.70.0.2", dev: hostVeth, scope: "link" })]);
    const routes = env.ctr(0).ipJson(["route", "show"]) as { dst: string; gateway?: string; scope?: string }[];
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dst: "10.70.0.1", scope: "link" }),
        expect.objectContaining({ dst: "10.70.0.0/24", gateway: "10.70.0.1" }),
      ]),
    );
    expect(routes.some((r) => r.dst === "10.70.0.0/24" && r.gateway === undefined)).toBe(false);
    const [eth0] = env.ctr(0).ipJson(["link", "show", "eth0"]) as { mtu: number }[];
    expect(eth0?.mtu).toBe(1450);
  });

  it("with ipMasq the container reaches an outside namespace that has no route back to it", () => {
    env = new BridgeEnv(1);
    const outside = TestNetns.create("x");
    try {
      env.host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", outside.path]);
      env.host.run("ip", ["addr", "add", "10.254.0.1/24", "dev", "up0"]);
      env.host.run("ip", ["link", "set", "up0", "up"]);
      outside.run("ip", ["addr", "add", "10.254.0.2/24", "dev", "wan0"]);
      outside.run("ip", ["link", "set", "wan0", "up"]);
      const conf = ptpConf(env, { ipMasq: true }, [[{ subnet: "10.70.0.0/24" }]]);
      (conf.ipam as Record<string, unknown>).routes = [{ dst: "0.0.0.0/0" }];
      const add = ok(env.run("ADD", 0, conf, {}, "ptp")).json!;
      expect(ping(env.ctr(0), "10.254.0.2")).toBe(true);
      ok(env.run("CHECK", 0, { ...conf, prevResult: add }, {}, "ptp"));
      env.host.run("nft", ["delete", "table", "inet", "berth"]);
      expect(env.run("CHECK", 0, { ...conf, prevResult: add }, {}, "ptp").json?.details).toMatch(/masquerade rules/);
      ok(env.run("DEL", 0, conf, {}, "ptp"));
    } finally {
      outside.destroy();
    }
  });

  it("works for IPv6 too", () => {
    env = new BridgeEnv(1);
    const conf = ptpConf(env, {}, [[{ subnet: "fd70::/64" }]]);
    const a = ok(env.run("ADD", 0, conf, {}, "ptp")).json!;
    expect(a.ips).toEqual([{ address: "fd70::2/64", gateway: "fd70::1", interface: 1 }]);
    expect(ping(env.host, "fd70::2")).toBe(true);
    expect(ping(env.ctr(0), "fd70::1")).toBe(true);
  });

  it("gives results shaped like the reference ptp plugin's", () => {
    env = new BridgeEnv(2);
    const ours = ok(env.run("ADD", 0, ptpConf(env), {}, "ptp")).json!;
    const refConf = { ...ptpConf(env, {}, [[{ subnet: "10.71.0.0/24" }]]), cniVersion: "1.0.0", ipam: { type: "host-local", dataDir: `${env.dir}/ipam-ref`, ranges: [[{ subnet: "10.71.0.0/24" }]] } };
    delete (refConf as Record<string, unknown>).stateDir;
    const theirs = ok(env.run("ADD", 1, refConf, { binDir: REFERENCE_BIN, path: REFERENCE_BIN }, "ptp")).json!;
    const shape = (r: Record<string, unknown>) => ({
      interfaces: (r.interfaces as { name: string; sandbox?: string }[]).map((i) => [i.name.startsWith("veth") ? "veth*" : i.name, i.sandbox ? "set" : "none"]),
      ips: (r.ips as { address: string; gateway?: string; interface?: number }[]).map((ip) => [ip.address.replace(/^10\.7\d\./, "10.7x."), ip.gateway?.replace(/^10\.7\d\./, "10.7x."), ip.interface]),
    });
    expect(shape(ours)).toEqual(shape(theirs));
    ok(env.run("DEL", 1, refConf, { binDir: REFERENCE_BIN, path: REFERENCE_BIN }, "ptp"));
    ok(env.run("DEL", 0, ptpConf(env), {}, "ptp"));
  });

  it("DEL removes the pair, the host route, the reservation and the record, with or without a netns", () => {
    env = new BridgeEnv(2);
    const conf = ptpConf(env);
    ok(env.run("ADD", 0, conf, {}, "ptp"));
    ok(env.run("ADD", 1, conf, {}, "ptp"));
    ok(env.run("DEL", 0, conf, {}, "ptp"));
    ok(env.run("DEL", 0, conf, {}, "ptp"));
    env.ctr(1).destroy();
    ok(env.run("DEL", 1, conf, { netns: undefined }, "ptp"));
    expect(env.host.linkNames()).toEqual(["lo"]);
    expect(env.host.ipJson(["route", "show"])).toEqual([]);
    expect(readdirSync(`${env.dir}/ipam/ptpnet`).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(existsSync(`${env.dir}/state/ptpnet/ctr-0`)).toBe(false);
  });

  it("CHECK, GC, STATUS and refused keys", () => {
    env = new BridgeEnv(3);
    const conf = ptpConf(env);
    const add = ok(env.run("ADD", 0, conf, {}, "ptp")).json!;
    ok(env.run("ADD", 1, conf, {}, "ptp"));
    ok(env.run("ADD", 2, conf, {}, "ptp"));
    ok(env.run("CHECK", 0, { ...conf, prevResult: add }, {}, "ptp"));
    env.ctr(0).run("ip", ["addr", "flush", "dev", "eth0"]);
    expect(env.run("CHECK", 0, { ...conf, prevResult: add }, {}, "ptp").json?.details).toMatch(/10\.70\.0\.2\/24 is missing/);
    const none = { containerId: undefined, netns: undefined, ifname: undefined };
    ok(env.run("GC", 0, { ...conf, "cni.dev/valid-attachments": [{ containerID: "ctr-1", ifname: "eth0" }] }, none, "ptp"));
    expect(env.ctr(1).linkNames()).toContain("eth0");
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
    expect(env.ctr(2).linkNames()).toEqual(["lo"]);
    ok(env.run("STATUS", 0, conf, none, "ptp"));
    expect(env.run("ADD", 0, ptpConf(env, { ipMasq: true, ipMasqBackend: "firewalld" }), {}, "ptp").json?.code).toBe(7);
    expect(env.run("ADD", 0, { ...conf, ipam: undefined }, {}, "ptp").json?.code).toBe(7);
  });
});

describe("ptp container↔container (peer)", () => {
  it("joins two namespaces directly over /32 addresses, with nothing new in the host; DEL from either side removes everything", () => {
    env = new BridgeEnv(2);
    const e = env;
    const hostBefore = e.host.linkNames();
    const base = ptpConf(e);
    // Container 0 exists on another network already; container 1 is peered to it by ID.
    const first = { ...e.conf(), stateDir: `${e.dir}/state` };
    ok(e.run("ADD", 0, first));
    const conf = { ...base, peer: "ctr-0", peerIfname: "p2p0" };
    const out = ok(e.run("ADD", 1, conf, {}, "ptp")).json!;
    const mine = (out.ips as { address: string }[])[0]!.address;
    expect(mine).toMatch(/^10\.70\.0\.\d+\/32$/);
    expect(out.routes).toEqual([{ dst: expect.stringMatching(/^10\.70\.0\.\d+\/32$/) }]);
    const theirs = (out.routes as { dst: string }[])[0]!.dst.split("/")[0]!;
    expect(ping(e.ctr(1), theirs)).toBe(true);
    expect(ping(e.ctr(0), mine.split("/")[0]!)).toBe(true);
    expect(e.ctr(0).linkNames()).toContain("p2p0");
    // Nothing new in the simulated host but the bridge network's own links.
    expect(e.host.linkNames().filter((n) => !hostBefore.includes(n) && !n.startsWith("veth") && n !== e.bridge)).toEqual([]);
    expect(e.host.linkNames().filter((n) => n.startsWith("veth"))).toHaveLength(1); // container 0's bridge port only
    // DEL from the peer's side (container 0's attachment p2p0) removes the pair and both addresses.
    ok(e.run("DEL", 0, conf, { ifname: "p2p0" }, "ptp"));
    expect(e.ctr(1).linkNames()).toEqual(["lo"]);
    expect(e.ctr(0).linkNames()).not.toContain("p2p0");
    expect(readdirSync(`${e.dir}/ipam/ptpnet`).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(existsSync(`${e.dir}/state/ptpnet`) ? readdirSync(`${e.dir}/state/ptpnet`).filter((f) => !f.startsWith(".")) : []).toEqual([]);
    ok(e.run("DEL", 1, conf, {}, "ptp"));
    ok(e.run("DEL", 0, first));
  });

  it("names a peer that does not exist, and changes nothing", () => {
    env = new BridgeEnv(1);
    const out = env.run("ADD", 0, { ...ptpConf(env), peer: "nobody" }, {}, "ptp");
    expect(out.json?.code).toBe(103);
    expect(out.json?.msg).toMatch(/nobody/);
    expect(env.ctr(0).linkNames()).toEqual(["lo"]);
  });
});

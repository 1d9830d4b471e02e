/** loopback and none, black-box: the kernel state they leave, checked with iproute2. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execPlugin, TestNetns, type PluginCall } from "../harness/index.ts";

let host: TestNetns;
let ctr: TestNetns;
beforeEach(() => {
  host = TestNetns.create("h");
  ctr = TestNetns.create("c");
  ctr.run("ip", ["link", "set", "lo", "down"]);
});
afterEach(() => {
  ctr?.destroy();
  host?.destroy();
});

function run(plugin: string, c: Partial<PluginCall> & { conf?: object }) {
  const { conf, ...rest } = c;
  return execPlugin(plugin, {
    command: "ADD",
    containerId: "ctr-lo",
    netns: ctr.path,
    ifname: "lo",
    stdin: { cniVersion: "1.1.0", name: "lo-net", type: plugin, ...conf },
    host,
    ...rest,
  });
}

function loIsUp(ns: TestNetns): boolean {
  const [lo] = ns.ipJson(["link", "show", "lo"]) as { flags: string[] }[];
  return lo?.flags.includes("UP") ?? false;
}

describe.each(["loopback", "none"])("%s", (plugin) => {
  it("ADD brings lo up: the container can reach itself", () => {
    expect(loIsUp(ctr)).toBe(false);
    const out = run(plugin, {});
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(loIsUp(ctr)).toBe(true);
    expect(ctr.run("ping", ["-c", "1", "-W", "1", "127.0.0.1"])).toMatch(/1 received/);
    // Nothing changed in the simulated host.
    expect(loIsUp(host)).toBe(true);
    expect(host.linkNames()).toEqual(["lo"]);
  });

  it("the result lists lo with the addresses the kernel reports", () => {
    const out = run(plugin, {});
    const addrs = (ctr.ipJson(["addr", "show", "lo"]) as { addr_info: { local: string; prefixlen: number }[] }[])[0]
      ?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)
      .sort();
    expect(out.json).toMatchObject({ cniVersion: "1.1.0", interfaces: [{ name: "lo", sandbox: ctr.path }] });
    expect((out.json?.ips as { address: string }[]).map((i) => i.address).sort()).toEqual(addrs);
  });

  it("CHECK passes after ADD and fails once lo is down", () => {
    const add = run(plugin, {});
    const prev = { conf: { prevResult: add.json } };
    expect(run(plugin, { command: "CHECK", ...prev }).status).toBe(0);
    ctr.run("ip", ["link", "set", "lo", "down"]);
    const out = run(plugin, { command: "CHECK", ...prev });
    expect(out.status).not.toBe(0);
    expect(out.json?.msg).toMatch(/lo/);
    expect(out.json?.code).toBeGreaterThanOrEqual(100);
  });

  it("DEL takes lo down again, and leaves the namespace otherwise as it was", () => {
    run(plugin, {});
    const out = run(plugin, { command: "DEL" });
    expect(out.status, out.stdout).toBe(0);
    expect(loIsUp(ctr)).toBe(false);
    expect(ctr.linkNames()).toEqual(["lo"]);
  });
});

describe("loopback in a chain", () => {
  it("passes a previous plugin's result through unchanged", () => {
    const prevResult = {
      cniVersion: "1.1.0",
      interfaces: [{ name: "eth0", mac: "aa:bb:cc:dd:ee:ff", sandbox: ctr.path, someFutureKey: 1 }],
      ips: [{ address: "10.88.0.5/16", gateway: "10.88.0.1", interface: 0 }],
      dns: { nameservers: ["10.88.0.1"] },
    };
    const out = run("loopback", { conf: { prevResult } });
    expect(out.status, out.stdout).toBe(0);
    expect(out.json).toEqual(prevResult);
    expect(loIsUp(ctr)).toBe(true);
  });
});

describe("none", () => {
  it("refuses the host's own namespace: --net=none needs a namespace of its own", () => {
    const out = run("none", { netns: host.path });
    expect(out.status).not.toBe(0);
    expect(`${out.json?.msg} ${out.json?.details ?? ""}`).toMatch(/CNI_NETNS/);
  });

  it("refuses a namespace that already has other interfaces", () => {
    ctr.run("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "ext1"]);
    const out = run("none", {});
    expect(out.status).not.toBe(0);
    expect(`${out.json?.msg} ${out.json?.details ?? ""}`).toMatch(/ext0|ext1/);
    expect(loIsUp(ctr)).toBe(false);
  });
});

/**
 * firewall, black-box: berth's binary chained after bridge in a simulated host. Networks are
 * isolated from each other by default (Docker's behaviour), icc=false cuts container↔container
 * traffic on one bridge while published ports still work, an internal network has no way out.
 * The same scenarios run with both firewall backends.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOST_WAN, NatEnv, OUTSIDE, ok, ping, uniqueName } from "../harness/index.ts";
import { berthRules, elementRuleCount, iptablesChains } from "../harness/iptables-rules.ts";

type Backend = "nftables" | "iptables";
let backend: Backend = "nftables";

let env: NatEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});

interface Net {
  name: string;
  bridge: string;
  subnet: string;
}

function bridgeConf(e: NatEnv, net: Net, extra: Record<string, unknown> = {}) {
  return { ...e.conf({ isDefaultGateway: true, ipMasqBackend: backend, ...extra }, { ranges: [[{ subnet: net.subnet }]] }), name: net.name, bridge: net.bridge };
}

function fwConf(e: NatEnv, net: Net, prevResult: unknown, extra: Record<string, unknown> = {}) {
  return { cniVersion: "1.1.0", name: net.name, type: "firewall", backend, stateDir: `${e.dir}/state`, prevResult, ...extra };
}

/** berth's rules: nft's table, or every iptables rule berth commented (IPv4). */
function rules(e: NatEnv): number {
  return backend === "nftables" ? e.ruleCount() : berthRules(e.host).length;
}

function attach(e: NatEnv, i: number, net: Net, fw: Record<string, unknown> = {}, bridge: Record<string, unknown> = {}) {
  const result = ok(e.run("ADD", i, bridgeConf(e, net, bridge))).json!;
  ok(e.run("ADD", i, fwConf(e, net, result, fw), {}, "firewall"));
  return result;
}

function detach(e: NatEnv, i: number, net: Net) {
  ok(e.run("DEL", i, fwConf(e, net, undefined), {}, "firewall"));
  ok(e.run("DEL", i, bridgeConf(e, net)));
}

describe.each<Backend>(["nftables", "iptables"])("firewall with the %s backend", (which) => {
  beforeEach(() => {
    backend = which;
  });

  it("isolates networks from each other by default; ingressPolicy open lets them talk; DEL leaves the bare table", () => {
    env = new NatEnv(3);
    const e = env;
    const a: Net = { name: "neta", bridge: e.bridge, subnet: "10.88.0.0/24" };
    const b: Net = { name: "netb", bridge: uniqueName("br"), subnet: "10.89.0.0/24" };
    attach(e, 0, a);
    const baseline = rules(e);
    attach(e, 1, a);
    // A second container on the same bridge shares its interface's elements: nothing new.
    expect(rules(e)).toBe(baseline);
    attach(e, 2, b);
    expect(ping(e.ctr(0), "10.88.0.3")).toBe(true); // same network
    expect(ping(e.ctr(0), "10.89.0.2", 1)).toBe(false); // a → b
    expect(ping(e.ctr(2), "10.88.0.2", 1)).toBe(false); // b → a
    expect(ping(e.ctr(0), "10.88.0.1")).toBe(true); // the gateway (the host) stays reachable
    // Rules grow per network, not per container.
    if (backend === "nftables") expect(rules(e)).toBe(baseline + 1 + 1); // netb's two chains: 1 rule each (icc accept, isolation drop)
    else expect(rules(e)).toBe(baseline + 3 + 4); // netb's chains (icc accept, jump to its interfaces, isolation) and its bridge's 4 element rules
    for (const [i, n] of [[0, a], [1, a], [2, b]] as const) detach(e, i, n);
    if (backend === "nftables") {
      for (const set of ["fw_from", "fw_to", "fw_all"]) expect(e.elements(set)).toBe(0);
      expect(e.host.run("nft", ["list", "table", "inet", "berth"])).not.toMatch(/chain fw[ft]_/);
    } else {
      for (const family of [4, 6] as const) {
        for (const set of ["fw_from", "fw_to", "fw_all"]) expect(elementRuleCount(e.host, set, family)).toBe(0);
        expect(iptablesChains(e.host, family).filter((c) => /^BERTH-[FTIV]-/.test(c))).toEqual([]);
      }
    }
    // The same topology with ingressPolicy open: the networks reach each other.
    attach(e, 0, a, { ingressPolicy: "open" });
    const rb = attach(e, 2, b, { ingressPolicy: "open" }) as { ips: { address: string }[] };
    expect(ping(e.ctr(0), rb.ips[0]!.address.split("/")[0]!)).toBe(true); // (a new address: the old one cools down)
    detach(e, 0, a);
    detach(e, 2, b);
  });

  it("icc=false blocks containers of one bridge from each other while their published ports still work", () => {
    env = new NatEnv(2);
    const e = env;
    const a: Net = { name: "noicc", bridge: e.bridge, subnet: "10.88.0.0/24" };
    const r0 = attach(e, 0, a, { icc: false });
    attach(e, 1, a, { icc: false });
    ok(e.run("ADD", 0, { cniVersion: "1.1.0", name: "noicc", type: "portmap", backend, stateDir: `${e.dir}/state`, runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: "tcp" }] }, prevResult: r0 }, {}, "portmap"));
    e.serve(e.ctr(0), 8080, "web");
    expect(ping(e.ctr(1), "10.88.0.2", 1)).toBe(false);
    expect(e.fetch(e.ctr(1), "10.88.0.2", 8080)).toBe("FAIL");
    expect(e.fetch(e.ctr(1), HOST_WAN, 18080)).toMatch(/^web /);
    expect(e.fetch(e.outside, HOST_WAN, 18080)).toBe(`web ${OUTSIDE}`);
    ok(e.run("DEL", 0, { cniVersion: "1.1.0", name: "noicc", type: "portmap", backend, stateDir: `${e.dir}/state` }, {}, "portmap"));
    detach(e, 0, a);
    detach(e, 1, a);
  });

  it("an internal network has no path out, while its containers reach each other; CHECK names what is missing", () => {
    env = new NatEnv(2);
    const e = env;
    const a: Net = { name: "inside", bridge: e.bridge, subnet: "10.88.0.0/24" };
    const r0 = attach(e, 0, a, { internal: true }, { ipMasq: true });
    attach(e, 1, a, { internal: true }, { ipMasq: true });
    expect(ping(e.ctr(0), "10.88.0.3")).toBe(true);
    expect(ping(e.ctr(0), OUTSIDE, 1)).toBe(false);
    ok(e.run("CHECK", 0, fwConf(e, a, r0, { internal: true }), {}, "firewall"));
    if (backend === "nftables") e.host.run("nft", ["flush", "map", "inet", "berth", "fw_from"]);
    else e.host.run("iptables-nft", ["-F", "BERTH-FROM"]);
    const check = e.run("CHECK", 0, fwConf(e, a, r0, { internal: true }), {}, "firewall");
    expect(check.json?.code).toBe(100);
    expect(check.json?.details).toMatch(/fw_from \{ "[^"]+" : jump fwf_inside_/);
    detach(e, 0, a);
    detach(e, 1, a);
  });
});

describe("firewall configuration", () => {
  it("refuses backends it does not have and bad policies with code 7", () => {
    env = new NatEnv(1);
    const e = env;
    const a: Net = { name: "bad", bridge: e.bridge, subnet: "10.88.0.0/24" };
    expect(e.run("ADD", 0, fwConf(e, a, { cniVersion: "1.1.0" }, { ingressPolicy: "closed" }), {}, "firewall").json?.code).toBe(7);
    expect(e.run("ADD", 0, fwConf(e, a, { cniVersion: "1.1.0" }, { backend: "firewalld" }), {}, "firewall").json?.msg).toMatch(/backend/);
  });
});

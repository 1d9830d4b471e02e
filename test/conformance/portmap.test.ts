/**
 * portmap, black-box: berth's binary chained after bridge in a simulated host, with an
 * "outside" namespace as the internet. The same traffic scenarios run with both firewall
 * backends. nftables: published ports are elements of maps, the rule count never depends on how
 * many containers publish. iptables: each element is one DNAT or masquerade rule in berth's
 * chains, added and removed exactly.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOST_WAN, NatEnv, OUTSIDE, ok } from "../harness/index.ts";
import { berthRules, deleteRule, elementRuleCount, iptablesChains } from "../harness/iptables-rules.ts";

type Backend = "nftables" | "iptables";

let env: NatEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});

type Mapping = { hostPort: number; containerPort: number; protocol?: string; hostIP?: string; range?: number };

let backend: Backend = "nftables";

function portmapConf(e: NatEnv, mappings: Mapping[], prevResult: unknown, extra: Record<string, unknown> = {}) {
  return {
    cniVersion: "1.1.0",
    name: "testnet",
    type: "portmap",
    backend,
    stateDir: `${e.dir}/state`,
    capabilities: { portMappings: true },
    runtimeConfig: { portMappings: mappings.map((m) => ({ protocol: "tcp", ...m })) },
    prevResult,
    ...extra,
  };
}

/** bridge ADD then portmap ADD for container i, as a runtime runs the conflist. */
function attach(e: NatEnv, i: number, mappings: Mapping[], extra: Record<string, unknown> = {}) {
  const bridge = ok(e.run("ADD", i, e.conf({ isDefaultGateway: true }))).json!;
  const out = e.run("ADD", i, portmapConf(e, mappings, bridge, extra), {}, "portmap");
  return { bridge, out };
}

function detach(e: NatEnv, i: number) {
  ok(e.run("DEL", i, portmapConf(e, [], undefined), {}, "portmap"));
  ok(e.run("DEL", i, e.conf({ isDefaultGateway: true })));
}

const ctrIp = (i: number) => `10.88.0.${i + 2}`;

/** The elements of one of berth's sets: nft elements, or the iptables rules standing for them. */
function count(e: NatEnv, set: string): number {
  return backend === "nftables" ? e.elements(set) : elementRuleCount(e.host, set, set.includes("6") ? 6 : 4);
}

/** berth's rules: nft's table, or every iptables rule berth commented (IPv4). */
function rules(e: NatEnv): number {
  if (backend === "nftables") return e.ruleCount();
  try {
    return berthRules(e.host).length;
  } catch {
    return 0;
  }
}

describe.each<Backend>(["nftables", "iptables"])("portmap with the %s backend", (which) => {
  beforeEach(() => {
    backend = which;
  });

  it("publishes TCP and UDP ports to the outside, the host (incl. 127.0.0.1), other containers and the container itself", () => {
    env = new NatEnv(2);
    const e = env;
    const { out } = attach(e, 0, [{ hostPort: 18080, containerPort: 8080 }, { hostPort: 15353, containerPort: 5353, protocol: "udp" }]);
    ok(out);
    ok(attach(e, 1, []).out);
    e.serve(e.ctr(0), 8080, "web");
    e.serve(e.ctr(0), 5353, "dns", "udp");
    // From the outside: the container sees the outside's own address (no SNAT on the way in).
    expect(e.fetch(e.outside, HOST_WAN, 18080)).toBe(`web ${OUTSIDE}`);
    expect(e.udp(e.outside, HOST_WAN, 15353)).toBe(`dns ${OUTSIDE}`);
    // From the simulated host itself, through its own address and through 127.0.0.1 (route_localnet).
    expect(e.fetch(e.host, HOST_WAN, 18080)).toMatch(/^web /);
    expect(e.fetch(e.host, "127.0.0.1", 18080)).toMatch(/^web /);
    // Another container, and hairpin: the container reaching its own published port.
    expect(e.fetch(e.ctr(1), HOST_WAN, 18080)).toMatch(/^web /);
    expect(e.fetch(e.ctr(0), HOST_WAN, 18080)).toMatch(/^web /);
    // Only the published port: another port of the container is not reachable from outside.
    e.serve(e.ctr(0), 8081, "hidden");
    expect(e.fetch(e.outside, HOST_WAN, 8081)).toBe("FAIL");
    // CHECK passes; after someone deletes the map element, CHECK names it.
    ok(e.run("CHECK", 0, portmapConf(e, [{ hostPort: 18080, containerPort: 8080 }], {}), {}, "portmap"));
    if (backend === "nftables") e.host.run("nft", ["delete", "element", "inet", "berth", "pm4_any", "{ tcp . 18080 }"]);
    else deleteRule(e.host, "pm4_any tcp . 18080 ");
    const check = e.run("CHECK", 0, portmapConf(e, [{ hostPort: 18080, containerPort: 8080 }], {}), {}, "portmap");
    expect(check.json?.code).toBe(100);
    expect(check.json?.details).toMatch(/pm4_any \{ tcp \. 18080 : 10\.88\.0\.2 \. 8080 \}/);
    if (backend === "iptables") expect(check.json?.details).toMatch(/-A BERTH-HOSTPORTS -p tcp -m tcp --dport 18080 .*DNAT --to-destination 10\.88\.0\.2:8080" is missing from IPv4 table nat/);
    // The UDP flow from the outside left a conntrack entry; DEL clears the entries of its ports.
    const flows = () => e.host.run("conntrack", ["-L", "-p", "udp", "--orig-port-dst", "15353"]).split("\n").filter((l) => l.includes("dport=15353")).length;
    expect(flows()).toBeGreaterThan(0);
    detach(e, 0);
    expect(flows()).toBe(0);
    // The iptables backend wrote iptables rules only: berth's nftables table was never made.
    if (backend === "iptables") expect(() => e.host.run("nft", ["list", "table", "inet", "berth"])).toThrow();
    // Nothing of container 0 is left: no element (nft) or rule (iptables) names its address.
    if (backend === "iptables") expect(berthRules(e.host).filter((r) => r.line.includes(ctrIp(0)))).toEqual([]);
    else expect(e.host.run("nft", ["list", "table", "inet", "berth"])).not.toContain(ctrIp(0));
    detach(e, 1);
  });

  it("hostIP binds to one address; ports on 127.0.0.1 stay the host's; a range maps port by port", () => {
    env = new NatEnv(1);
    const e = env;
    ok(attach(e, 0, [
      { hostIP: "127.0.0.1", hostPort: 18081, containerPort: 8080 },
      { hostIP: HOST_WAN, hostPort: 18082, containerPort: 8080 },
      { hostPort: 18090, containerPort: 9000, range: 2 },
    ]).out);
    e.serve(e.ctr(0), 8080, "a");
    e.serve(e.ctr(0), 9000, "r0");
    e.serve(e.ctr(0), 9001, "r1");
    expect(e.fetch(e.host, "127.0.0.1", 18081)).toMatch(/^a /);
    expect(e.fetch(e.outside, HOST_WAN, 18081)).toBe("FAIL");
    expect(e.fetch(e.outside, HOST_WAN, 18082)).toMatch(/^a /);
    expect(e.fetch(e.host, "127.0.0.1", 18082)).toBe("FAIL");
    expect(e.fetch(e.outside, HOST_WAN, 18090)).toMatch(/^r0 /);
    expect(e.fetch(e.outside, HOST_WAN, 18091)).toMatch(/^r1 /);
    detach(e, 0);
  });

  it("publishes over IPv6 too: the outside reaches a dual-stack container through the host's IPv6 address", () => {
    env = new NatEnv(1);
    const e = env;
    // Link-local addresses skip DAD in these namespaces, so neighbour discovery works at once.
    for (const ns of [e.host, e.ctr(0), e.outside]) for (const scope of ["all", "default"]) ns.run("sysctl", ["-qw", `net.ipv6.conf.${scope}.accept_dad=0`]);
    e.host.run("ip", ["-6", "addr", "add", "fd00:254::1/64", "dev", "up0", "nodad"]);
    e.outside.run("ip", ["-6", "addr", "add", "fd00:254::2/64", "dev", "wan0", "nodad"]);
    const conf = e.conf({ isDefaultGateway: true }, { ranges: [[{ subnet: "10.88.0.0/24" }], [{ subnet: "fd00:88::/64" }]] });
    const bridge = ok(e.run("ADD", 0, conf)).json!;
    ok(e.run("ADD", 0, portmapConf(e, [{ hostPort: 18080, containerPort: 8080 }], bridge), {}, "portmap"));
    // A server on the container's IPv6 address only: the answer can only come over IPv6.
    const v6 = (bridge.ips as { address: string }[]).find((ip) => ip.address.includes(":"))!.address.split("/")[0]!;
    e.serve(e.ctr(0), 8080, "web6", "tcp", v6);
    expect(e.fetch(e.outside, "fd00:254::1", 18080)).toBe("web6 fd00:254::2");
    ok(e.run("DEL", 0, portmapConf(e, [], undefined), {}, "portmap"));
    ok(e.run("DEL", 0, conf));
    expect(e.fetch(e.outside, "fd00:254::1", 18080)).toBe("FAIL");
  });

  it("refuses a host port another container holds, naming it, and installs nothing of the second", () => {
    env = new NatEnv(2);
    const e = env;
    ok(attach(e, 0, [{ hostPort: 18080, containerPort: 8080 }]).out);
    const before = count(e, "pm4_any");
    const second = attach(e, 1, [{ hostPort: 18081, containerPort: 80 }, { hostIP: HOST_WAN, hostPort: 18080, containerPort: 80 }]).out;
    expect(second.status).not.toBe(0);
    expect(second.json?.code).toBeGreaterThanOrEqual(100);
    expect(second.json?.details).toMatch(/10\.254\.0\.1:18080\/tcp is already published by network testnet, container ctr-0/);
    expect(count(e, "pm4_any")).toBe(before);
    expect(count(e, "pm4_addr")).toBe(0);
    // The same container asking again (a retried ADD) is no conflict.
    ok(e.run("ADD", 0, portmapConf(e, [{ hostPort: 18080, containerPort: 8080 }], { cniVersion: "1.1.0", ips: [{ address: `${ctrIp(0)}/24` }] }), {}, "portmap"));
    detach(e, 0);
    // Once freed, the port can be taken.
    ok(e.run("ADD", 1, portmapConf(e, [{ hostPort: 18080, containerPort: 80 }], { cniVersion: "1.1.0", ips: [{ address: `${ctrIp(1)}/24` }] }), {}, "portmap"));
    detach(e, 1);
  });

  it("100 containers publish and DEL all: shared elements go with their last owner, and the rules are the skeleton's again", () => {
    env = new NatEnv(1);
    const e = env;
    const prev = (i: number) => ({ cniVersion: "1.1.0", ips: [{ address: `10.90.${i >> 8}.${(i & 255) + 1}/16` }] });
    const add = (i: number) => ok(e.run("ADD", 0, portmapConf(e, [{ hostPort: 20000 + i, containerPort: 80 }, { hostPort: 30000 + i, containerPort: 53, protocol: "udp" }], prev(i)), { containerId: `c${i}` }, "portmap"));
    add(0);
    // nftables: the rule count after one container, which 99 more do not change. iptables: the
    // skeleton's rules, to which each container adds its two DNAT rules (and the shared subnet one).
    const baseline = backend === "nftables" ? rules(e) : rules(e) - 3;
    expect(baseline).toBeGreaterThan(0);
    for (let i = 1; i < 100; i++) add(i);
    expect(rules(e)).toBe(backend === "nftables" ? baseline : baseline + 201);
    expect(count(e, "pm4_any")).toBe(200);
    expect(count(e, "pm_nets4")).toBe(1); // one subnet, shared by all: deleted with its last owner
    for (let i = 0; i < 99; i++) ok(e.run("DEL", 0, portmapConf(e, [], undefined), { containerId: `c${i}` }, "portmap"));
    expect(count(e, "pm_nets4")).toBe(1);
    ok(e.run("DEL", 0, portmapConf(e, [], undefined), { containerId: "c99" }, "portmap"));
    for (const set of ["pm4_any", "pm4_addr", "pm6_any", "pm6_addr", "pm_nets4", "pm_masqall4"]) expect(count(e, set)).toBe(0);
    expect(rules(e)).toBe(baseline);
    // DEL again (already gone) succeeds.
    ok(e.run("DEL", 0, portmapConf(e, [], undefined), { containerId: "c0" }, "portmap"));
  });

  it("answers bad mappings with code 7 naming the mapping, and unsupported keys clearly", () => {
    env = new NatEnv(1);
    const e = env;
    const prev = { cniVersion: "1.1.0", ips: [{ address: "10.88.0.2/24" }] };
    const bad = e.run("ADD", 0, portmapConf(e, [{ hostPort: 70000, containerPort: 80 }], prev), {}, "portmap");
    expect(bad.json?.code).toBe(7);
    expect(bad.json?.details).toMatch(/hostPort must be an integer from 1 to 65535/);
    const cond = e.run("ADD", 0, portmapConf(e, [{ hostPort: 18080, containerPort: 80 }], prev, { conditionsV4: ["-s", "1.2.3.4"] }), {}, "portmap");
    expect(cond.json?.code).toBe(7);
    expect(cond.json?.msg).toMatch(/conditionsV4/);
    expect(rules(e)).toBe(0);
    if (backend === "iptables") expect(iptablesChains(e.host).filter((c) => c.startsWith("BERTH-"))).toEqual([]);
  });
});

describe("portmap with the iptables backend on a host whose rules are in the legacy tables", () => {
  it("detects the legacy flavour (as iptables-wrapper does) and publishes there", () => {
    env = new NatEnv(1);
    const e = env;
    // The simulated host already has a rule in the legacy tables, none in nft's.
    e.host.run("iptables-legacy", ["-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "ACCEPT"]);
    backend = "iptables";
    try {
      ok(attach(e, 0, [{ hostPort: 18080, containerPort: 8080 }]).out);
      e.serve(e.ctr(0), 8080, "web");
      expect(e.fetch(e.outside, HOST_WAN, 18080)).toBe(`web ${OUTSIDE}`);
      expect(e.host.run("iptables-legacy-save", ["-t", "nat"])).toMatch(/-A BERTH-HOSTPORTS .*--dport 18080 .*-j DNAT --to-destination 10\.88\.0\.2:8080/);
      expect(e.host.run("iptables-nft-save", ["-t", "nat"])).not.toMatch(/BERTH/);
      detach(e, 0);
      expect(e.host.run("iptables-legacy-save", ["-t", "nat"])).not.toMatch(/--dport 18080/);
    } finally {
      backend = "nftables";
    }
  });
});

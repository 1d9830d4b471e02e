/**
 * A network's chains as data, rendered twice: the script text (which must stay what the
 * firewall wrote before, character for character: records, repair and injected `apply` see
 * it) and the netlink transaction (the same objects, in the same order).
 */
import { describe, expect, it } from "vitest";
import { masqueradeChains, renderMasquerade } from "../masquerade.ts";
import { policyChains, policyObjects, renderPolicy } from "../policy.ts";
import { chainsChanges, removalChanges } from "./netlink-chains.ts";
import { renderRemovalScript } from "./network-chains.ts";

const masq = masqueradeChains({ network: "net-1", subnets: ["10.88.0.5/24", "fd00:88::5/64", "10.89.16.0/20"] });
const m = "masq_net_1_0b38503a";

describe("script text", () => {
  it("masquerade: the chain declared in a table block, flushed, a rule per subnet (v4 first), a dispatch element per subnet", () => {
    expect(renderMasquerade({ network: "net-1", subnets: ["10.88.0.5/24", "fd00:88::5/64", "10.89.16.0/20"] })).toBe(
      [
        "table inet berth {",
        `  chain ${m} { }`,
        "}",
        `flush chain inet berth ${m}`,
        `add rule inet berth ${m} ip saddr 10.88.0.0/24 ip daddr != 10.88.0.0/24 ip daddr != 224.0.0.0/4 masquerade comment "berth:net-1"`,
        `add rule inet berth ${m} ip saddr 10.89.16.0/20 ip daddr != 10.89.16.0/20 ip daddr != 224.0.0.0/4 masquerade comment "berth:net-1"`,
        `add rule inet berth ${m} ip6 saddr fd00:88::/64 ip6 daddr != fd00:88::/64 ip6 daddr != ff00::/8 masquerade comment "berth:net-1"`,
        `add element inet berth masq_v4 { 10.88.0.0/24 : jump ${m} }`,
        `add element inet berth masq_v4 { 10.89.16.0/20 : jump ${m} }`,
        `add element inet berth masq_v6 { fd00:88::/64 : jump ${m} }`,
        "",
      ].join("\n"),
    );
  });

  it("policy: the interface set and both chains, flushed, then their rules", () => {
    expect(renderPolicy({ network: "net-1", icc: false, internal: true, isolate: true })).toBe(
      [
        "table inet berth {",
        "  set fwi_net_1_0b38503a { type ifname; }",
        "  chain fwf_net_1_0b38503a { }",
        "  chain fwt_net_1_0b38503a { }",
        "}",
        "flush chain inet berth fwf_net_1_0b38503a",
        "flush chain inet berth fwt_net_1_0b38503a",
        'add rule inet berth fwf_net_1_0b38503a oifname @fwi_net_1_0b38503a drop comment "berth:net-1"',
        'add rule inet berth fwf_net_1_0b38503a drop comment "berth:net-1"',
        'add rule inet berth fwt_net_1_0b38503a drop comment "berth:net-1"',
        'add rule inet berth fwt_net_1_0b38503a iifname @fw_all drop comment "berth:net-1"',
        "",
      ].join("\n"),
    );
    expect(renderPolicy({ network: "n", icc: true, internal: false, isolate: false })).toContain(' oifname @fwi_n_');
  });

  it("removal: dispatch elements by key per map, then chains, then sets", () => {
    expect(renderRemovalScript(masq)).toBe(
      `delete element inet berth masq_v4 { 10.88.0.0/24, 10.89.16.0/20 }\ndelete element inet berth masq_v6 { fd00:88::/64 }\ndelete chain inet berth ${m}\n`,
    );
    expect(renderRemovalScript(policyObjects("net-1"))).toBe(
      "delete chain inet berth fwf_net_1_0b38503a\ndelete chain inet berth fwt_net_1_0b38503a\ndelete set inet berth fwi_net_1_0b38503a\n",
    );
  });
});

describe("netlink transaction", () => {
  it("puts the same objects in place in the script's order: sets, chains, flushes, rules, elements", () => {
    const ops = chainsChanges(policyChains({ network: "net-1", icc: true, internal: true, isolate: false })).map((c) => c.op);
    expect(ops).toEqual(["add set", "add chain", "add chain", "flush chain", "flush chain", "add rule", "add rule", "add rule"]);
    const masqOps = chainsChanges(masq);
    expect(masqOps.map((c) => c.op)).toEqual(["add chain", "flush chain", "add rule", "add rule", "add rule", "add", "add"]);
    const v4 = masqOps[5];
    expect(v4 !== undefined && v4.op === "add" ? [v4.set, v4.elements.length, v4.elements[0]] : undefined).toEqual([
      "masq_v4",
      2,
      { key: [{ type: "ipv4_addr", value: "10.88.0.0" }], keyEnd: [{ type: "ipv4_addr", value: "10.88.0.255" }], data: { verdict: "jump", chain: m } },
    ]);
  });

  it("removes elements first (a chain a map still jumps to cannot go), then chains, then sets", () => {
    expect(removalChanges(masq).map((c) => c.op)).toEqual(["delete", "delete", "delete chain"]);
    expect(removalChanges(policyObjects("net-1")).map((c) => c.op)).toEqual(["delete chain", "delete chain", "delete set"]);
  });
});

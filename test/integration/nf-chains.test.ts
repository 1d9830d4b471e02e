/**
 * A network's chains over berth's nfnetlink layer against the same chains applied by `nft -f`
 * from the script text, inside throwaway namespaces only: `nft -j list table inet berth`
 * (handles stripped) must be identical; removal leaves the bare skeleton; the firewall's
 * masquerade and policy entry points take the netlink path once the skeleton is in place.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyChains,
  applyPolicy,
  chainExists,
  chainsPresent,
  ensureMasquerade,
  masqueradeChain,
  masqueradeChains,
  masqueradePresent,
  policyChains,
  policyNames,
  policyObjects,
  releasePolicy,
  removeChains,
  removeMasquerade,
  renderChainsScript,
  renderSkeleton,
  type NetworkChains,
  type NetworkPolicy,
} from "../../lib/firewall/index.ts";
import { NftObjectError, closeSharedNftHandles, sharedNftHandleCount, withSharedNftHandle } from "../../lib/netlink/index.ts";
import { withNetns } from "../../lib/netns/index.ts";
import { TestNetns } from "../harness/index.ts";

let viaNetlink: TestNetns;
let viaNft: TestNetns;
let dirs: string[] = [];

beforeEach(() => {
  viaNetlink = TestNetns.create("fc");
  viaNft = TestNetns.create("fc");
  for (const ns of [viaNetlink, viaNft]) ns.run("nft", ["-f", "-"], renderSkeleton());
});

afterEach(() => {
  closeSharedNftHandles();
  viaNetlink.destroy();
  viaNft.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `nft -j list table inet berth`, without handles (which differ by the order things were made). */
function table(ns: TestNetns): Json {
  const strip = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "handle").map(([k, x]) => [k, strip(x)]));
  };
  const out = JSON.parse(ns.run("nft", ["-j", "list", "table", "inet", "berth"])) as { nftables: Json[] };
  return strip(out.nftables.filter((o) => !(o !== null && typeof o === "object" && "metainfo" in o)));
}

const inNetlinkNs = <T,>(fn: () => T): T => withNetns(viaNetlink.path, fn);

const policy = (over: Partial<NetworkPolicy>): NetworkPolicy => ({ network: "net-1", icc: true, internal: false, isolate: false, ...over });

const SHAPES: [string, NetworkChains][] = [
  ["masquerade v4", masqueradeChains({ network: "net-1", subnets: ["10.88.0.5/24"] })],
  ["masquerade v6", masqueradeChains({ network: "net-1", subnets: ["fd00:88::5/64"] })],
  ["masquerade dual, two v4 subnets", masqueradeChains({ network: "net-1", subnets: ["10.88.0.5/24", "10.89.16.0/20", "fd00:88::5/64"] })],
  ["policy, icc on", policyChains(policy({}))],
  ["policy, icc off", policyChains(policy({ icc: false }))],
  ["policy, internal", policyChains(policy({ internal: true }))],
  ["policy, isolated", policyChains(policy({ isolate: true }))],
  ["policy, icc off, internal and isolated", policyChains(policy({ icc: false, internal: true, isolate: true }))],
];

describe("a network's chains: netlink against nft -f", () => {
  it.each(SHAPES)("%s: the same table, removal back to the skeleton, existence checks", (_name, chains) => {
    const skeleton = table(viaNetlink);
    viaNft.run("nft", ["-f", "-"], renderChainsScript(chains));
    inNetlinkNs(() => applyChains(chains));
    expect(table(viaNetlink)).toEqual(table(viaNft));
    // Applying again (the network's record lost, a second ADD) changes nothing.
    inNetlinkNs(() => applyChains(chains));
    expect(table(viaNetlink)).toEqual(table(viaNft));
    for (const c of chains.chains) expect(inNetlinkNs(() => chainExists(c.name))).toBe(true);
    expect(inNetlinkNs(() => chainsPresent(chains))).toBe(true);

    inNetlinkNs(() => removeChains(chains));
    expect(table(viaNetlink)).toEqual(skeleton);
    for (const c of chains.chains) expect(inNetlinkNs(() => chainExists(c.name))).toBe(false);
    expect(inNetlinkNs(() => chainsPresent(chains))).toBe(false);
    // Removing what is gone is no error.
    inNetlinkNs(() => removeChains(chains));
    expect(table(viaNetlink)).toEqual(skeleton);
  });

  it("rewrites a network's rules in place (policy changed) and keeps its set", () => {
    inNetlinkNs(() => applyChains(policyChains(policy({}))));
    viaNetlink.run("nft", ["add", "element", "inet", "berth", policyNames("net-1").ifaces, "{ br0 }"]);
    inNetlinkNs(() => applyChains(policyChains(policy({ icc: false, isolate: true }))));
    viaNft.run("nft", ["-f", "-"], renderChainsScript(policyChains(policy({}))));
    viaNft.run("nft", ["add", "element", "inet", "berth", policyNames("net-1").ifaces, "{ br0 }"]);
    viaNft.run("nft", ["-f", "-"], renderChainsScript(policyChains(policy({ icc: false, isolate: true }))));
    expect(table(viaNetlink)).toEqual(table(viaNft));
    expect(inNetlinkNs(() => chainsPresent(policyChains(policy({ icc: false, isolate: true }))))).toBe(true);
    expect(inNetlinkNs(() => chainsPresent(policyChains(policy({}))))).toBe(false);
  });

  it("refuses to delete a chain something still jumps to, names it, and changes nothing", () => {
    const chains = masqueradeChains({ network: "net-1", subnets: ["10.88.0.5/24"] });
    inNetlinkNs(() => applyChains(chains));
    const chain = masqueradeChain("net-1");
    viaNetlink.run("nft", ["add", "rule", "inet", "berth", "postrouting", "jump", chain]);
    const before = table(viaNetlink);
    let error: unknown;
    try {
      inNetlinkNs(() => removeChains(chains));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NftObjectError);
    expect((error as NftObjectError).code).toBe("EBUSY");
    expect((error as Error).message).toContain(`delete chain inet berth ${chain}`);
    expect(table(viaNetlink)).toEqual(before);
  });

  it("fails naming the set or chain when the table is gone, and says nothing exists there", () => {
    viaNetlink.run("nft", ["delete", "table", "inet", "berth"]);
    expect(() => inNetlinkNs(() => applyChains(masqueradeChains({ network: "n", subnets: ["10.1.0.0/24"] })))).toThrow(/Cannot find set inet berth masq_v4: ENOENT/);
    expect(() => inNetlinkNs(() => applyChains(policyChains(policy({}))))).toThrow(/Cannot add set inet berth fwi_net_1_[0-9a-f]{8}: ENOENT/);
    expect(inNetlinkNs(() => chainExists("postrouting"))).toBe(false);
  });
});

describe("the firewall's entry points over netlink", () => {
  const stateDir = (): string => {
    const d = mkdtempSync(`${tmpdir()}/berth-test-nfchains-`);
    dirs.push(d);
    return d;
  };

  it("masquerade: first network of the boot with the skeleton via nft, then netlink; CHECK; removal", () => {
    viaNetlink.run("nft", ["delete", "table", "inet", "berth"]);
    viaNft.run("nft", ["delete", "table", "inet", "berth"]);
    const dir = stateDir();
    const a = { network: "a", subnets: ["10.1.0.2/24"] };
    const b = { network: "b", subnets: ["10.2.0.2/24", "fd00:2::2/64"] };
    inNetlinkNs(() => {
      expect(ensureMasquerade(a, dir)).toBe(true); // no table yet: skeleton + chain through nft -f
      expect(ensureMasquerade(b, dir)).toBe(true); // netlink
      expect(ensureMasquerade({ network: "b", subnets: ["10.2.0.9/24"] }, dir)).toBe(false);
      expect(masqueradePresent(b)).toBe(true);
      expect(masqueradePresent({ network: "b", subnets: ["10.3.0.1/24"] })).toBe(false);
    });
    for (const script of [renderSkeleton(), renderChainsScript(masqueradeChains(a)), renderChainsScript(masqueradeChains(b))]) viaNft.run("nft", ["-f", "-"], script);
    expect(table(viaNetlink)).toEqual(table(viaNft));

    inNetlinkNs(() => {
      expect(removeMasquerade("b", dir, () => true)).toBe(false);
      expect(removeMasquerade("b", dir, () => false)).toBe(true);
      expect(masqueradePresent(b)).toBe(false);
      expect(masqueradePresent(a)).toBe(true);
    });
    viaNft.run("nft", ["-f", "-"], `delete element inet berth masq_v4 { 10.2.0.0/24 }\ndelete element inet berth masq_v6 { fd00:2::/64 }\ndelete chain inet berth ${masqueradeChain("b")}\n`);
    expect(table(viaNetlink)).toEqual(table(viaNft));
  });

  it("masquerade removal after the elements were flushed: the chain goes alone", () => {
    const dir = stateDir();
    inNetlinkNs(() => {
      ensureMasquerade({ network: "a", subnets: ["10.1.0.2/24"] }, dir);
      // Skeleton recorded as applied by the first call (nft -f); the record holds for this boot.
      expect(chainExists(masqueradeChain("a"))).toBe(true);
    });
    viaNetlink.run("nft", ["flush", "map", "inet", "berth", "masq_v4"]);
    inNetlinkNs(() => expect(removeMasquerade("a", dir, () => false)).toBe(true));
    expect(inNetlinkNs(() => chainExists(masqueradeChain("a")))).toBe(false);
  });

  it("policy: chains on the first attachment, elements per attachment, all gone with the last", () => {
    const dir = stateDir();
    const p = policy({ network: "pn", icc: false, isolate: true });
    const ctx = { stateDir: dir };
    const bare = table(viaNetlink);
    inNetlinkNs(() => {
      applyPolicy("firewall/pn/c1", {}, p, "br-a", ctx);
      applyPolicy("firewall/pn/c2", {}, p, "br-a", ctx);
    });
    viaNft.run("nft", ["-f", "-"], renderChainsScript(policyChains(p)));
    const n = policyNames("pn");
    viaNft.run("nft", ["-f", "-"], `add element inet berth ${n.ifaces} { "br-a" }\nadd element inet berth fw_all { "br-a" }\nadd element inet berth fw_from { "br-a" : jump ${n.from} }\nadd element inet berth fw_to { "br-a" : jump ${n.to} }\n`);
    expect(table(viaNetlink)).toEqual(table(viaNft));
    inNetlinkNs(() => {
      releasePolicy("firewall/pn/c1", "pn", "firewall/pn/", ctx);
      expect(chainExists(n.from)).toBe(true);
      releasePolicy("firewall/pn/c2", "pn", "firewall/pn/", ctx);
      expect(chainExists(n.from)).toBe(false);
      // DEL twice.
      releasePolicy("firewall/pn/c2", "pn", "firewall/pn/", ctx);
    });
    expect(table(viaNetlink)).toEqual(bare);
    expect(policyObjects("pn").chains.map((c) => c.name)).toEqual([n.from, n.to]);
  });
});

describe("one nfnetlink socket per namespace", () => {
  it("reuses a namespace's handle across calls and keeps namespaces apart", () => {
    const [a1, a2] = inNetlinkNs(() => [withSharedNftHandle((h) => h), withSharedNftHandle((h) => h)]);
    const b = withNetns(viaNft.path, () => withSharedNftHandle((h) => h));
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);
    expect(sharedNftHandleCount()).toBe(2);
    // Each handle answers for its own namespace.
    inNetlinkNs(() => applyChains(masqueradeChains({ network: "only-here", subnets: ["10.7.0.0/24"] })));
    expect(inNetlinkNs(() => chainExists(masqueradeChain("only-here")))).toBe(true);
    expect(withNetns(viaNft.path, () => chainExists(masqueradeChain("only-here")))).toBe(false);
    closeSharedNftHandles();
    expect(sharedNftHandleCount()).toBe(0);
  });
});

/**
 * A network's traffic policy, Docker's way: containers of one network talk to each other unless
 * icc is off; an internal network has no path out (nor in, but for published ports); an isolated
 * network accepts nothing routed from another berth network. Each network gets two small chains
 * (from it, to it) and a set of its host-side interfaces; attachments add their interface to the
 * dispatch maps as elements, so rules grow with networks, never with containers.
 */
import type { NftRuleSpec } from "../netlink/index.ts";
import { type NetworkChains, renderChainsScript } from "./nft/network-chains.ts";
import type { NftElement } from "./nft/values.ts";

export interface NetworkPolicy {
  network: string;
  /** Inter-container traffic within the network (Docker's icc; default true). */
  icc: boolean;
  /** No traffic between the network and anything else. */
  internal: boolean;
  /** Drop what other berth networks route to this one (ingressPolicy same-bridge / isolated). */
  isolate: boolean;
}

function ident(network: string): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(network)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `${network.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 32)}_${h.toString(16).padStart(8, "0")}`;
}

export function policyNames(network: string): { from: string; to: string; ifaces: string } {
  const id = ident(network);
  return { from: `fwf_${id}`, to: `fwt_${id}`, ifaces: `fwi_${id}` };
}

/** The network's chains and interface set as data (a network changing policy is rewritten in place). */
export function policyChains(p: NetworkPolicy): NetworkChains {
  const n = policyNames(p.network);
  const comment = `berth:${p.network}`;
  const verdict = (v: "accept" | "drop", matches: NftRuleSpec["matches"] = []): NftRuleSpec => ({ matches, action: { action: "verdict", verdict: { verdict: v } }, comment });
  const from = [verdict(p.icc ? "accept" : "drop", [{ match: "oifname", op: "==", set: n.ifaces }]), ...(p.internal ? [verdict("drop")] : [])];
  const to = [...(p.internal ? [verdict("drop")] : []), ...(p.isolate ? [verdict("drop", [{ match: "iifname", op: "==", set: "fw_all" }])] : [])];
  return {
    network: p.network,
    sets: [{ name: n.ifaces, key: "ifname" }],
    chains: [
      { name: n.from, rules: from },
      { name: n.to, rules: to },
    ],
    dispatch: [],
  };
}

/** The network's policy as an nft script. */
export function renderPolicy(p: NetworkPolicy): string {
  return renderChainsScript(policyChains(p));
}

/** What removing a network's policy takes away: its chains and interface set (no rules needed). */
export function policyObjects(network: string): Pick<NetworkChains, "sets" | "chains" | "dispatch"> {
  const n = policyNames(network);
  return { sets: [{ name: n.ifaces, key: "ifname" }], chains: [{ name: n.from, rules: [] }, { name: n.to, rules: [] }], dispatch: [] };
}

/** The elements that put one host-side interface under its network's policy. */
export function policyElements(network: string, iface: string): NftElement[] {
  const n = policyNames(network);
  const key = [{ type: "ifname" as const, value: iface }];
  return [
    { set: n.ifaces, key },
    { set: "fw_all", key },
    { set: "fw_from", key, data: { verdict: "jump", chain: n.from } },
    { set: "fw_to", key, data: { verdict: "jump", chain: n.to } },
  ];
}

/**
 * Outbound masquerade for a network (ipMasq), in berth's table `inet berth`. The rule count
 * does not grow with containers: the skeleton's postrouting rules dispatch through a verdict map
 * keyed by source prefix to a chain per network, whose rules masquerade traffic leaving the
 * network's subnets (not to the subnets themselves, and not multicast). Each network is applied
 * as one atomic transaction, once: later calls find the request recorded in the state directory
 * and change nothing. The transaction goes over nfnetlink once the skeleton is in place (no
 * `nft` process), through `nft -f` with the skeleton for the first network of a boot, and as
 * script text to an injected `apply` (tests).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { cidrNetwork, formatCidr, formatIp, parseCidr } from "../ip/index.ts";
import type { NftRuleSpec } from "../netlink/index.ts";
import { FileLock, bootId, writeFileAtomic } from "../store/index.ts";
import { chainExists, chainsPresent, putNetworkChains, removeChains } from "./nft/netlink-chains.ts";
import { type NetworkChains, renderChainsScript, renderRemovalScript } from "./nft/network-chains.ts";
import type { NftElement } from "./nft/values.ts";
import { TABLE, firewallDir } from "./skeleton.ts";

/** A plain, serialisable request: masquerade what leaves `subnets` of `network`. */
export interface MasqueradeRequest {
  network: string;
  subnets: string[];
}

/** The chain of a network: its name made an nft identifier, plus a hash against collisions. */
export function masqueradeChain(network: string): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(network)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `masq_${network.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 40)}_${h.toString(16).padStart(8, "0")}`;
}

/** A network's masquerade as data: one chain, a rule per subnet, a dispatch element per subnet. */
export function masqueradeChains(req: MasqueradeRequest): NetworkChains {
  const chain = masqueradeChain(req.network);
  const subnets = req.subnets.map((s) => cidrNetwork(parseCidr(s)));
  const v4 = subnets.filter((s) => s.ip.family === 4);
  const v6 = subnets.filter((s) => s.ip.family === 6);
  const rule = (subnet: string, multicast: string): NftRuleSpec => ({
    matches: [
      { match: "saddr", op: "==", prefix: subnet },
      { match: "daddr", op: "!=", prefix: subnet },
      { match: "daddr", op: "!=", prefix: multicast },
    ],
    action: { action: "masquerade" },
    comment: `berth:${req.network}`,
  });
  const dispatch = (set: "masq_v4" | "masq_v6", s: (typeof subnets)[number]): NftElement => ({
    set,
    key: [s.ip.family === 4 ? { type: "ipv4_addr", value: formatIp(s.ip) } : { type: "ipv6_addr", value: formatIp(s.ip) }],
    prefix: s.prefix,
    data: { verdict: "jump", chain },
  });
  return {
    network: req.network,
    sets: [],
    chains: [{ name: chain, rules: [...v4.map((s) => rule(formatCidr(s), "224.0.0.0/4")), ...v6.map((s) => rule(formatCidr(s), "ff00::/8"))] }],
    dispatch: [...v4.map((s) => dispatch("masq_v4", s)), ...v6.map((s) => dispatch("masq_v6", s))],
  };
}

/** The nft script for one network: its chain (declared in a table block), rules and dispatch elements. */
export function renderMasquerade(req: MasqueradeRequest): string {
  return renderChainsScript(masqueradeChains(req));
}

function sameRequest(a: MasqueradeRequest, b: MasqueradeRequest): boolean {
  return a.network === b.network && JSON.stringify([...a.subnets].sort()) === JSON.stringify([...b.subnets].sort());
}

/**
 * Make sure `req` is in place: a no-op (one small file read) when this very request was applied
 * before, else one transaction under the firewall lock, recorded in `stateDir/.firewall/`.
 * A network that grows a subnet is applied again with all of them. Returns true when it applied.
 * Without `apply`, the change goes over nfnetlink (through `nft -f` with the skeleton when this
 * boot's kernel lacks it); with it, `apply` gets the script.
 */
export function ensureMasquerade(given: MasqueradeRequest, stateDir: string, apply?: (script: string) => void): boolean {
  // Containers' addresses ("10.88.0.7/24") name their subnets ("10.88.0.0/24"): compare those.
  const req = { network: given.network, subnets: [...new Set(given.subnets.map((s) => formatCidr(cidrNetwork(parseCidr(s)))))] };
  const dir = firewallDir(stateDir);
  const file = `${dir}/masq-${masqueradeChain(req.network)}.json`;
  // Rules live in the kernel and vanish with a reboot: a record from another boot counts as none.
  const boot = bootId();
  const recorded = (): MasqueradeRequest | undefined => {
    try {
      const r = JSON.parse(readFileSync(file, "utf8")) as MasqueradeRequest & { bootId?: string };
      return r.bootId === boot ? r : undefined;
    } catch {
      return undefined;
    }
  };
  const covers = (r: MasqueradeRequest | undefined) => r !== undefined && req.subnets.every((s) => r.subnets.includes(s));
  if (covers(recorded())) return false;
  using _lock = FileLock.acquire(`${dir}/.lock`);
  const before = recorded();
  if (covers(before)) return false;
  const merged: MasqueradeRequest = { network: req.network, subnets: [...new Set([...(before?.subnets ?? []), ...req.subnets])].sort() };
  putNetworkChains(stateDir, masqueradeChains(merged), apply);
  if (before === undefined || !sameRequest(before, merged)) writeFileAtomic(file, `${JSON.stringify({ ...merged, bootId: boot })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
  return true;
}

/**
 * Remove a network's masquerade (its dispatch elements and chain, one transaction) when
 * `stillUsed()`, asked under the firewall lock, says nothing of the network is left. An ADD
 * writes its attachment record before it ensures the masquerade, so it either is seen here or
 * finds the record gone and applies again.
 */
export function removeMasquerade(network: string, stateDir: string, stillUsed: () => boolean, apply?: (script: string) => void): boolean {
  const dir = firewallDir(stateDir);
  const file = `${dir}/masq-${masqueradeChain(network)}.json`;
  using _lock = FileLock.acquire(`${dir}/.lock`);
  let rec: MasqueradeRequest;
  try {
    rec = JSON.parse(readFileSync(file, "utf8")) as MasqueradeRequest;
  } catch {
    return false;
  }
  if (stillUsed()) return false;
  const chains = masqueradeChains({ network, subnets: rec.subnets });
  if (apply === undefined) {
    // One transaction; elements or a chain already gone (a flushed ruleset) are skipped.
    removeChains(chains);
  } else if (chainExists(masqueradeChain(network))) {
    try {
      apply(renderRemovalScript(chains));
    } catch {
      // Elements already gone (a flush): the chain alone.
      const chain = masqueradeChain(network);
      apply(`flush chain inet ${TABLE} ${chain}\ndelete chain inet ${TABLE} ${chain}\n`);
    }
  }
  rmSync(file, { force: true });
  return true;
}

/** The masquerade requests recorded in the state directory (what repair puts back). */
export function recordedMasquerades(stateDir: string): MasqueradeRequest[] {
  const dir = firewallDir(stateDir);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith("masq-") && f.endsWith(".json"));
  } catch {
    return [];
  }
  const requests: MasqueradeRequest[] = [];
  for (const f of files) {
    try {
      const r = JSON.parse(readFileSync(`${dir}/${f}`, "utf8")) as MasqueradeRequest;
      if (typeof r.network === "string" && Array.isArray(r.subnets)) requests.push({ network: r.network, subnets: r.subnets });
    } catch {
      // A corrupt record names nothing to repair.
    }
  }
  return requests;
}

/** After a repair: the records hold for this boot. The caller holds the firewall lock. */
export function restampMasquerades(stateDir: string, requests: readonly MasqueradeRequest[]): void {
  const boot = bootId();
  for (const r of requests) {
    writeFileAtomic(`${firewallDir(stateDir)}/masq-${masqueradeChain(r.network)}.json`, `${JSON.stringify({ ...r, bootId: boot })}\n`, { mode: 0o600 });
  }
}

/** Whether the network's masquerade chain holds the rules of `req`'s subnets (for CHECK); reads the live ruleset. */
export function masqueradePresent(req: MasqueradeRequest): boolean {
  return chainsPresent(masqueradeChains(req));
}

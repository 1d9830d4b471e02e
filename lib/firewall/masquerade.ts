/**
 * Outbound masquerade for a network (ipMasq), in berth's table `inet berth`. The rule count
 * does not grow with containers: the skeleton's postrouting rules dispatch through a verdict map
 * keyed by source prefix to a chain per network, whose rules masquerade traffic leaving the
 * network's subnets (not to the subnets themselves, and not multicast). Each network is applied
 * as one atomic `nft -f` transaction, once: later calls find the request recorded in the state
 * directory and change nothing.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { cidrNetwork, formatCidr, parseCidr } from "../ip/index.ts";
import { FileLock, bootId, writeFileAtomic } from "../store/index.ts";
import { nftApply, nftList } from "./nft/exec.ts";
import { TABLE, firewallDir, markSkeletonApplied, withSkeleton } from "./skeleton.ts";

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

/** The nft script for one network: the shared table, chains and maps, then the network's chain. */
export function renderMasquerade(req: MasqueradeRequest): string {
  const chain = masqueradeChain(req.network);
  const subnets = req.subnets.map((s) => cidrNetwork(parseCidr(s)));
  const v4 = subnets.filter((s) => s.ip.family === 4).map(formatCidr);
  const v6 = subnets.filter((s) => s.ip.family === 6).map(formatCidr);
  const lines = [
    // Declared in the table block: nft 1.0.6 cannot point a map element at a chain made by a
    // separate "add chain" in the same transaction.
    `table inet ${TABLE} {`,
    `  chain ${chain} { }`,
    `}`,
    `flush chain inet ${TABLE} ${chain}`,
  ];
  for (const s of v4) lines.push(`add rule inet ${TABLE} ${chain} ip saddr ${s} ip daddr != ${s} ip daddr != 224.0.0.0/4 masquerade comment "berth:${req.network}"`);
  for (const s of v6) lines.push(`add rule inet ${TABLE} ${chain} ip6 saddr ${s} ip6 daddr != ${s} ip6 daddr != ff00::/8 masquerade comment "berth:${req.network}"`);
  for (const s of v4) lines.push(`add element inet ${TABLE} masq_v4 { ${s} : jump ${chain} }`);
  for (const s of v6) lines.push(`add element inet ${TABLE} masq_v6 { ${s} : jump ${chain} }`);
  return `${lines.join("\n")}\n`;
}

function sameRequest(a: MasqueradeRequest, b: MasqueradeRequest): boolean {
  return a.network === b.network && JSON.stringify([...a.subnets].sort()) === JSON.stringify([...b.subnets].sort());
}

/**
 * Make sure `req` is in place: a no-op (one small file read) when this very request was applied
 * before, else one nft transaction under the firewall lock, recorded in `stateDir/.firewall/`.
 * A network that grows a subnet is applied again with all of them. Returns true when it applied.
 */
export function ensureMasquerade(given: MasqueradeRequest, stateDir: string, apply: (script: string) => void = nftApply): boolean {
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
  // The table's skeleton goes in with the first network of this boot: one transaction.
  const { script, skeleton } = withSkeleton(stateDir, renderMasquerade(merged));
  apply(script);
  if (skeleton) markSkeletonApplied(stateDir);
  if (before === undefined || !sameRequest(before, merged)) writeFileAtomic(file, `${JSON.stringify({ ...merged, bootId: boot })}\n`, { mode: 0o600, mkdirMode: 0o700 });
  return true;
}

/**
 * Remove a network's masquerade (its dispatch elements and chain, one transaction) when
 * `stillUsed()`, asked under the firewall lock, says nothing of the network is left. An ADD
 * writes its attachment record before it ensures the masquerade, so it either is seen here or
 * finds the record gone and applies again.
 */
export function removeMasquerade(network: string, stateDir: string, stillUsed: () => boolean, apply: (script: string) => void = nftApply): boolean {
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
  const chain = masqueradeChain(network);
  const v4 = rec.subnets.filter((s) => !s.includes(":"));
  const v6 = rec.subnets.filter((s) => s.includes(":"));
  if (nftList(["chain", "inet", TABLE, chain]) !== undefined) {
    const lines = [
      ...(v4.length > 0 ? [`delete element inet ${TABLE} masq_v4 { ${v4.join(", ")} }`] : []),
      ...(v6.length > 0 ? [`delete element inet ${TABLE} masq_v6 { ${v6.join(", ")} }`] : []),
      `delete chain inet ${TABLE} ${chain}`,
    ];
    try {
      apply(`${lines.join("\n")}\n`);
    } catch {
      // Elements already gone (a flush): the chain alone.
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

/** Whether the network's masquerade chain holds its rules (for CHECK); reads the live ruleset. */
export function masqueradePresent(req: MasqueradeRequest): boolean {
  const out = nftList(["chain", "inet", TABLE, masqueradeChain(req.network)]);
  if (out === undefined) return false;
  return req.subnets.every((s) => out.includes(`saddr ${formatCidr(cidrNetwork(parseCidr(s)))}`));
}

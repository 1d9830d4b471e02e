/**
 * The constant part of berth's nftables table `inet berth`: base chains at documented
 * priorities, the rules that dispatch through maps, and the named sets and maps that
 * per-container work fills with elements. The number of rules here never depends on how many
 * containers or ports there are; networks add one small chain each (masquerade, policy).
 *
 * | chain       | hook        | priority        | does                                              |
 * |-------------|-------------|-----------------|---------------------------------------------------|
 * | guard       | prerouting  | raw (-300)      | drops 127.0.0.0/8 arriving from outside lo         |
 * | prerouting  | prerouting  | dstnat (-100)   | published ports of local addresses → portmap       |
 * | output      | output      | -100            | the host's own connections to published ports      |
 * | forward     | forward     | filter (0)      | published flows pass; per-network policy by vmaps  |
 * | postrouting | postrouting | srcnat (100)    | hairpin/localhost/masqAll masquerade; ipMasq vmaps |
 */
import { readFileSync } from "node:fs";
import { FileLock, bootId, writeFileAtomic } from "../store/index.ts";

export const TABLE = "berth";

const DECLARATIONS = [
  // ipMasq: source prefix → the network's masquerade chain.
  "map masq_v4 { type ipv4_addr : verdict; flags interval; }",
  "map masq_v6 { type ipv6_addr : verdict; flags interval; }",
  // Published ports: (protocol, host address, host port) or (protocol, host port) → container.
  "map pm4_addr { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service; }",
  "map pm4_any { type inet_proto . inet_service : ipv4_addr . inet_service; }",
  "map pm6_addr { type inet_proto . ipv6_addr . inet_service : ipv6_addr . inet_service; }",
  "map pm6_any { type inet_proto . inet_service : ipv6_addr . inet_service; }",
  // Sources whose connections to a published port are masqueraded (hairpin: the subnets of
  // containers that publish), and containers whose every published flow is (masqAll).
  "set pm_nets4 { type ipv4_addr; flags interval; }",
  "set pm_nets6 { type ipv6_addr; flags interval; }",
  "set pm_masqall4 { type ipv4_addr; }",
  "set pm_masqall6 { type ipv6_addr; }",
  // Network policy: a network's host-side interfaces → its chains; every isolated interface.
  "map fw_from { type ifname : verdict; }",
  "map fw_to { type ifname : verdict; }",
  "set fw_all { type ifname; }",
  // Exceptions to icc=false: (client, server, protocol, port) of linked containers (docker --link).
  "set fw_links4 { type ipv4_addr . ipv4_addr . inet_proto . inet_service; }",
  "chain portmap { }",
  "chain guard { type filter hook prerouting priority raw; policy accept; }",
  "chain prerouting { type nat hook prerouting priority dstnat; policy accept; }",
  "chain output { type nat hook output priority -100; policy accept; }",
  "chain forward { type filter hook forward priority filter; policy accept; }",
  "chain postrouting { type nat hook postrouting priority srcnat; policy accept; }",
];

const RULES: Record<string, string[]> = {
  portmap: [
    "dnat ip to meta l4proto . ip daddr . th dport map @pm4_addr",
    "meta nfproto ipv4 dnat ip to meta l4proto . th dport map @pm4_any",
    "dnat ip6 to meta l4proto . ip6 daddr . th dport map @pm6_addr",
    "meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @pm6_any",
  ],
  // With route_localnet on a bridge, the kernel would route 127.0.0.0/8 coming from outside:
  // never let such a packet in (a port published on 127.0.0.1 stays the host's own).
  guard: ['iif != "lo" ip daddr 127.0.0.0/8 drop'],
  prerouting: ["fib daddr type local ip daddr != 127.0.0.0/8 jump portmap", "fib daddr type local meta nfproto ipv6 jump portmap"],
  output: ["fib daddr type local jump portmap"],
  forward: [
    "ct state established,related accept",
    "ct status dnat accept",
    "ip saddr . ip daddr . meta l4proto . th dport @fw_links4 accept",
    "iifname vmap @fw_from",
    "oifname vmap @fw_to",
  ],
  postrouting: [
    "ct status dnat ip saddr 127.0.0.0/8 masquerade",
    "ct status dnat ip saddr @pm_nets4 masquerade",
    "ct status dnat ip6 saddr @pm_nets6 masquerade",
    "ct status dnat ip daddr @pm_masqall4 masquerade",
    "ct status dnat ip6 daddr @pm_masqall6 masquerade",
    "ip saddr vmap @masq_v4",
    "ip6 saddr vmap @masq_v6",
  ],
};

/** The whole constant part as one nft script (declarations keep existing elements). */
export function renderSkeleton(extraDeclarations: string[] = []): string {
  const lines = [`table inet ${TABLE} {`, ...DECLARATIONS.map((d) => `  ${d}`), ...extraDeclarations.map((d) => `  ${d}`), "}"];
  for (const [chain, rules] of Object.entries(RULES)) {
    lines.push(`flush chain inet ${TABLE} ${chain}`);
    for (const r of rules) lines.push(`add rule inet ${TABLE} ${chain} ${r}`);
  }
  return `${lines.join("\n")}\n`;
}

/** How many rules the skeleton holds (the baseline for "rules do not grow" checks). */
export const SKELETON_RULES = Object.values(RULES).reduce((n, r) => n + r.length, 0);

function version(): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(renderSkeleton())) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h.toString(16);
}

export function firewallDir(stateDir: string): string {
  return `${stateDir}/.firewall`;
}

/**
 * `script` preceded by the skeleton when this boot's kernel lacks it (by the record). The
 * script's own leading table block is declared inside the skeleton's too: nft 1.0.6 cannot
 * point a new map's element at a chain declared in another block of the same transaction.
 */
export function withSkeleton(stateDir: string, script: string): { script: string; skeleton: boolean } {
  if (pendingSkeleton(stateDir) === "") return { script, skeleton: false };
  return { script: renderSkeleton(declarationsOf(script)) + script, skeleton: true };
}

/** Apply `script` as one nft transaction, preceded by the skeleton when this boot lacks it (then recorded). */
export function applyWithSkeleton(stateDir: string, script: string, apply: (script: string) => void): void {
  const full = withSkeleton(stateDir, script);
  apply(full.script);
  if (full.skeleton) markSkeletonApplied(stateDir);
}

/** The declarations of a script's leading `table inet berth { … }` block. */
export function declarationsOf(script: string): string[] {
  const head = `table inet ${TABLE} {\n`;
  if (!script.startsWith(head)) return [];
  return script.slice(head.length, script.indexOf("\n}\n")).split("\n").map((l) => l.trim()).filter(Boolean);
}

/** The skeleton's script when this boot's kernel lacks it (by the record), else "". */
export function pendingSkeleton(stateDir: string): string {
  try {
    const r = JSON.parse(readFileSync(`${firewallDir(stateDir)}/skeleton.json`, "utf8")) as { version: string; bootId: string };
    if (r.version === version() && r.bootId === bootId()) return "";
  } catch {
    // Never applied.
  }
  return renderSkeleton();
}

/**
 * Make sure the skeleton is in this boot's kernel: a file read when it was applied before by
 * this version of berth, else one transaction under the firewall lock.
 */
export function ensureSkeleton(stateDir: string, apply: (script: string) => void, lockHeld = false): boolean {
  const dir = firewallDir(stateDir);
  const file = `${dir}/skeleton.json`;
  const want = { version: version(), bootId: bootId() };
  const current = (): boolean => {
    try {
      const r = JSON.parse(readFileSync(file, "utf8")) as typeof want;
      return r.version === want.version && r.bootId === want.bootId;
    } catch {
      return false;
    }
  };
  if (current()) return false;
  const lock = lockHeld ? undefined : FileLock.acquire(`${dir}/.lock`);
  try {
    if (current()) return false;
    apply(renderSkeleton());
    markSkeletonApplied(stateDir);
    return true;
  } finally {
    lock?.release();
  }
}

/** Record that this version's skeleton is in this boot's kernel (after a repair applied it). */
export function markSkeletonApplied(stateDir: string): void {
  const want = { version: version(), bootId: bootId() };
  writeFileAtomic(`${firewallDir(stateDir)}/skeleton.json`, `${JSON.stringify(want)}\n`, { mode: 0o600, mkdirMode: 0o700 });
}

/**
 * berth's iptables rules in a simulated host, read with the flavour's save command inside that
 * namespace (a fresh namespace holds no rules in either flavour, so berth detects nft there).
 */
import type { TestNetns } from "./netns.ts";

export interface SavedLine {
  table: string;
  chain: string;
  /** The whole `-A …` line. */
  line: string;
  comment: string | undefined;
}

export type Flavour = "nft" | "legacy";

/** Every rule of one family (`-A` lines), with its table. */
export function iptablesRules(ns: TestNetns, family: 4 | 6 = 4, flavour: Flavour = "nft"): SavedLine[] {
  const out = ns.run(`${family === 4 ? "iptables" : "ip6tables"}-${flavour}-save`, []);
  const rules: SavedLine[] = [];
  let table = "";
  for (const line of out.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1);
    if (!line.startsWith("-A ")) continue;
    const comment = /--comment (?:"([^"]*)"|(\S+))/.exec(line);
    rules.push({ table, chain: line.split(" ")[1] ?? "", line, comment: comment ? (comment[1] ?? comment[2]) : undefined });
  }
  return rules;
}

/** The chains of one family's tables (`:NAME` lines). */
export function iptablesChains(ns: TestNetns, family: 4 | 6 = 4, flavour: Flavour = "nft"): string[] {
  const out = ns.run(`${family === 4 ? "iptables" : "ip6tables"}-${flavour}-save`, []);
  return out.split("\n").filter((l) => l.startsWith(":")).map((l) => l.slice(1).split(" ")[0] ?? "");
}

/** berth's rules (comment starting "berth"). */
export function berthRules(ns: TestNetns, family: 4 | 6 = 4, flavour: Flavour = "nft"): SavedLine[] {
  return iptablesRules(ns, family, flavour).filter((r) => r.comment?.startsWith("berth") === true);
}

/** The rules standing for elements of one of berth's nft sets (`berth <set> …`). */
export function elementRuleCount(ns: TestNetns, set: string, family: 4 | 6 = 4, flavour: Flavour = "nft"): number {
  return berthRules(ns, family, flavour).filter((r) => r.comment?.startsWith(`berth ${set} `)).length;
}

/** Delete one rule found by a part of its comment, the way an admin would, by its spec. */
export function deleteRule(ns: TestNetns, commentPart: string, family: 4 | 6 = 4, flavour: Flavour = "nft"): SavedLine {
  const rule = berthRules(ns, family, flavour).find((r) => r.comment?.includes(commentPart));
  if (rule === undefined) throw new Error(`no berth rule whose comment has ${JSON.stringify(commentPart)}`);
  ns.run(`${family === 4 ? "iptables" : "ip6tables"}-${flavour}-restore`, ["--noflush"], `*${rule.table}\n-D${rule.line.slice(2)}\nCOMMIT\n`);
  return rule;
}

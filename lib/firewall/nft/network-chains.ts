/**
 * A network's own objects in berth's table, described once as data — its sets, its chains
 * with their rules (as lib/netlink's rule AST), and the dispatch elements that send traffic
 * into them from the skeleton's maps — and rendered as `nft -f` script text. The same value
 * goes to the kernel over nfnetlink (netlink-chains.ts) on the hot path; the text serves the
 * repair path (one `nft -f` of everything), the first network of a boot (with the skeleton),
 * and tests that inject a script recorder.
 */
import { formatRule, type DeclarableKey, type NftRuleSpec } from "../../netlink/index.ts";
import { TABLE } from "../skeleton.ts";
import { type NftElement, renderElement } from "./values.ts";

export interface NetworkChains {
  /** The network they belong to (for records and messages). */
  network: string;
  /** Named sets of the network (`set NAME { type KEY; }`), declared before the chains. */
  sets: { name: string; key: DeclarableKey }[];
  /** Regular chains of the network and their rules, in order; applying flushes them first. */
  chains: { name: string; rules: NftRuleSpec[] }[];
  /** Elements of the skeleton's maps that jump to the chains (family inet). */
  dispatch: NftElement[];
}

/**
 * The script that puts the network's objects in place: declarations in a table block (nft
 * 1.0.6 cannot point a map element at a chain made by a separate `add chain` of the same
 * transaction), each chain flushed, its rules, then the dispatch elements one by one.
 */
export function renderChainsScript(c: NetworkChains): string {
  const lines = [
    `table inet ${TABLE} {`,
    ...c.sets.map((s) => `  set ${s.name} { type ${s.key}; }`),
    ...c.chains.map((ch) => `  chain ${ch.name} { }`),
    "}",
    ...c.chains.map((ch) => `flush chain inet ${TABLE} ${ch.name}`),
  ];
  for (const ch of c.chains) for (const r of ch.rules) lines.push(`add rule inet ${TABLE} ${ch.name} ${formatRule(r)}`);
  for (const e of c.dispatch) lines.push(`add element inet ${TABLE} ${e.set} { ${renderElement(e)} }`);
  return `${lines.join("\n")}\n`;
}

/** The script that removes them: dispatch elements (by key, per map), then chains, then sets. */
export function renderRemovalScript(c: Pick<NetworkChains, "sets" | "chains" | "dispatch">): string {
  const bySet = new Map<string, string[]>();
  for (const e of c.dispatch) bySet.set(e.set, [...(bySet.get(e.set) ?? []), renderElement({ set: e.set, key: e.key, ...(e.prefix === undefined ? {} : { prefix: e.prefix }) })]);
  const lines = [
    ...[...bySet].map(([set, keys]) => `delete element inet ${TABLE} ${set} { ${keys.join(", ")} }`),
    ...c.chains.map((ch) => `delete chain inet ${TABLE} ${ch.name}`),
    ...c.sets.map((s) => `delete set inet ${TABLE} ${s.name}`),
  ];
  return `${lines.join("\n")}\n`;
}

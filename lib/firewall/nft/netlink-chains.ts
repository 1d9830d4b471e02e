/**
 * A network's chains (NetworkChains) over berth's own nfnetlink layer: put in place, removed
 * and checked in one transaction each, through the namespace's shared NftHandle — no `nft`
 * process. The table and its skeleton must exist (they go in through `nft -f` once per boot).
 */
import { sameExpressions, ruleExpressions, withSharedNftHandle, type NftChange, type NftChainRef } from "../../netlink/index.ts";
import { TABLE, applyWithSkeleton, pendingSkeleton } from "../skeleton.ts";
import { nftApply } from "./exec.ts";
import { elementChanges } from "./netlink-writer.ts";
import { type NetworkChains, renderChainsScript } from "./network-chains.ts";

const chainRef = (name: string): NftChainRef => ({ family: "inet", table: TABLE, name });

/** The transaction that puts the network's objects in place (what renderChainsScript says). */
export function chainsChanges(c: NetworkChains): NftChange[] {
  return [
    ...c.sets.map((s): NftChange => ({ op: "add set", set: { family: "inet", table: TABLE, name: s.name, key: s.key } })),
    ...c.chains.map((ch): NftChange => ({ op: "add chain", chain: chainRef(ch.name) })),
    ...c.chains.map((ch): NftChange => ({ op: "flush chain", chain: chainRef(ch.name) })),
    ...c.chains.flatMap((ch) => ch.rules.map((rule): NftChange => ({ op: "add rule", rule: { ...chainRef(ch.name), rule } }))),
    ...elementChanges("add", c.dispatch),
  ];
}

/** The transaction that removes them (what renderRemovalScript says). */
export function removalChanges(c: Pick<NetworkChains, "sets" | "chains" | "dispatch">): NftChange[] {
  return [
    ...elementChanges("delete", c.dispatch),
    ...c.chains.map((ch): NftChange => ({ op: "delete chain", chain: chainRef(ch.name) })),
    ...c.sets.map((s): NftChange => ({ op: "delete set", set: { family: "inet", table: TABLE, name: s.name } })),
  ];
}

/** Put the network's sets, chains, rules and dispatch elements in place: one transaction. */
export function applyChains(c: NetworkChains): void {
  withSharedNftHandle((h) => h.transact(chainsChanges(c), { ignoreExisting: true }));
}

/**
 * Put a network's chains in place, one transaction: over nfnetlink once this boot's skeleton is
 * there; otherwise, or to an injected `apply` (tests), as an nft script carrying the skeleton.
 */
export function putNetworkChains(stateDir: string, c: NetworkChains, apply?: (script: string) => void): void {
  if (apply === undefined && pendingSkeleton(stateDir) === "") applyChains(c);
  else applyWithSkeleton(stateDir, renderChainsScript(c), apply ?? nftApply);
}

/** Remove them, one transaction; what is already gone (a flushed ruleset) is skipped. */
export function removeChains(c: Pick<NetworkChains, "sets" | "chains" | "dispatch">): void {
  withSharedNftHandle((h) => h.transact(removalChanges(c), { ignoreMissing: true }));
}

/** Whether a chain of berth's table exists (GETCHAIN). */
export function chainExists(name: string): boolean {
  return withSharedNftHandle((h) => h.chainExists(chainRef(name)));
}

/** Whether every chain exists and holds every rule `c` gives it (by their expressions). */
export function chainsPresent(c: NetworkChains): boolean {
  return withSharedNftHandle((h) =>
    c.chains.every((ch) => {
      if (!h.chainExists(chainRef(ch.name))) return false;
      const live = h.listRules(chainRef(ch.name)).map((r) => r.exprs);
      return ch.rules.every((rule) => {
        const want = ruleExpressions("inet", rule);
        return live.some((exprs) => sameExpressions(exprs, want));
      });
    }),
  );
}

/**
 * An ElementWriter that speaks `nft -f`: one process, one transaction. nft 1.0.6 has no
 * "destroy element", so a batch whose delete names an absent element is refused as a whole;
 * then the adds go again alone and each delete is tried by itself, absent ones skipped.
 */
import { TABLE } from "../skeleton.ts";
import type { ElementWriter } from "../ownership.ts";
import { type NftElement, renderElement } from "./values.ts";
import { nftApply } from "./exec.ts";

function lines(verb: "add" | "delete", elements: readonly NftElement[]): string[] {
  const bySet = new Map<string, string[]>();
  for (const e of elements) {
    // A delete names the key only; maps then find the element by it.
    const text = verb === "delete" ? renderElement({ set: e.set, key: e.key, ...(e.prefix === undefined ? {} : { prefix: e.prefix }) }) : renderElement(e);
    const where = `${e.family ?? "inet"} ${TABLE} ${e.set}`;
    bySet.set(where, [...(bySet.get(where) ?? []), text]);
  }
  return [...bySet].map(([where, items]) => `${verb} element ${where} { ${items.join(", ")} }`);
}

export function renderElementChanges(add: readonly NftElement[], remove: readonly NftElement[]): string {
  return [...lines("add", add), ...lines("delete", remove)].map((l) => `${l}\n`).join("");
}

export class NftScriptWriter implements ElementWriter {
  readonly #apply: (script: string) => void;

  constructor(apply: (script: string) => void = nftApply) {
    this.#apply = apply;
  }

  apply(add: readonly NftElement[], remove: readonly NftElement[]): void {
    if (add.length === 0 && remove.length === 0) return;
    try {
      this.#apply(renderElementChanges(add, remove));
      return;
    } catch (err) {
      if (remove.length === 0) throw err;
    }
    if (add.length > 0) this.#apply(renderElementChanges(add, []));
    for (const e of remove) {
      try {
        this.#apply(renderElementChanges([], [e]));
      } catch (err) {
        if (!/No such file or directory|does not exist/i.test((err as Error).message)) throw err;
      }
    }
  }
}

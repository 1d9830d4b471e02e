/**
 * The ElementWriter of the hot path: element changes go to the kernel as one nfnetlink batch
 * over berth's own netlink layer (~0.7 ms for an add) instead of an `nft` process (~8 ms).
 * Deletes of absent elements and re-adds of present ones are not errors (DEL twice, repair).
 * The socket is the namespace's shared one, closed at process exit: closing it right after a
 * delete would wait for an RCU grace period.
 */
import { lastAddress, parseCidr, formatIp } from "../../ip/index.ts";
import { withSharedNftHandle, type NftElement as WireElement, type NftElementChange } from "../../netlink/index.ts";
import type { ElementWriter } from "../ownership.ts";
import { TABLE } from "../skeleton.ts";
import type { NftElement } from "./values.ts";

function toWire(e: NftElement): WireElement {
  const out: WireElement = { key: e.key };
  if (e.prefix !== undefined) {
    const first = e.key[0];
    if (first === undefined || (first.type !== "ipv4_addr" && first.type !== "ipv6_addr")) throw new Error(`element of ${e.set}: a prefix needs an address key`);
    const end = formatIp(lastAddress(parseCidr(`${first.value}/${e.prefix}`)));
    out.keyEnd = [{ type: first.type, value: end }];
  }
  if (e.data !== undefined) out.data = e.data;
  return out;
}

/** Element changes of berth's table, one per set, for NftHandle. */
export function elementChanges(op: "add" | "delete", elements: readonly NftElement[]): NftElementChange[] {
  const bySet = new Map<string, { family: "inet" | "bridge"; set: string; elements: WireElement[] }>();
  for (const e of elements) {
    const family = e.family ?? "inet";
    const key = `${family} ${e.set}`;
    const group = bySet.get(key) ?? { family, set: e.set, elements: [] };
    group.elements.push(toWire(e));
    bySet.set(key, group);
  }
  return [...bySet.values()].map((g) => ({ op, family: g.family, table: TABLE, set: g.set, elements: g.elements }));
}

export class NftNetlinkWriter implements ElementWriter {
  apply(add: readonly NftElement[], remove: readonly NftElement[]): void {
    if (add.length === 0 && remove.length === 0) return;
    withSharedNftHandle((h) => h.apply([...elementChanges("delete", remove), ...elementChanges("add", add)], { ignoreMissing: true, ignoreExisting: true }));
  }
}

/**
 * Changes to the objects of an existing nf_tables table — regular chains, plain named sets,
 * rules — as batch messages, each with the words that name it in an error. Pure. NftHandle
 * sends them, mixed with element changes, as one transaction.
 */
import { NLM_F_APPEND, NLM_F_CREATE } from "../wire/index.ts";
import { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELCHAIN, NFT_MSG_DELRULE, NFT_MSG_DELSET, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_NEWSET, nfnlMsgType } from "./constants.ts";
import { describeChain, encodeChain, type NftChainRef } from "./chains.ts";
import type { BatchMessage } from "./nfnetlink.ts";
import { encodeChainRules, encodeNewRule, formatRule, type NftRule } from "./rules.ts";
import { describeSetRef, encodeDelSet, encodeNewSet, type NftSetDeclaration } from "./set-declarations.ts";
import type { NftFamily } from "./set-elements.ts";

export interface NftSetRef {
  family: NftFamily;
  table: string;
  name: string;
}

/**
 * One change to a table's objects. Adding a chain or a set that exists keeps it (nft's `add`,
 * not `create`); flushing a chain deletes its rules; deleting a chain deletes its rules too,
 * but fails with EBUSY while a jump or a map element still points at it.
 */
export type NftObjectChange =
  | { op: "add chain"; chain: NftChainRef }
  | { op: "flush chain"; chain: NftChainRef }
  | { op: "delete chain"; chain: NftChainRef }
  | { op: "add set"; set: NftSetDeclaration }
  | { op: "delete set"; set: NftSetRef }
  | { op: "add rule"; rule: NftRule };

const msg = (type: number, flags: number, payload: Uint8Array): BatchMessage => ({ type: nfnlMsgType(NFNL_SUBSYS_NFTABLES, type), flags, payload });

/** The batch message of one change; `id` numbers it within its batch (a new set's NFTA_SET_ID). */
export function objectMessage(c: NftObjectChange, id: number): BatchMessage {
  switch (c.op) {
    case "add chain":
      return msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, encodeChain(c.chain));
    case "flush chain":
      return msg(NFT_MSG_DELRULE, 0, encodeChainRules(c.chain));
    case "delete chain":
      return msg(NFT_MSG_DELCHAIN, 0, encodeChain(c.chain));
    case "add set":
      return msg(NFT_MSG_NEWSET, NLM_F_CREATE, encodeNewSet(c.set, id));
    case "delete set":
      return msg(NFT_MSG_DELSET, 0, encodeDelSet(c.set));
    case "add rule":
      return msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, encodeNewRule(c.rule));
  }
}

/** The change in words: `add rule to chain inet berth x: ip saddr 10.0.0.0/24 masquerade`. */
export function describeObjectChange(c: NftObjectChange): string {
  switch (c.op) {
    case "add chain":
    case "flush chain":
    case "delete chain":
      return `${c.op} ${describeChain(c.chain).slice("chain ".length)}`;
    case "add set":
    case "delete set":
      return `${c.op} ${describeSetRef(c.set).slice("set ".length)}`;
    case "add rule":
      return `add rule to ${describeChain(c.rule)}: ${formatRule(c.rule.rule)}`;
  }
}

/** Deletions may be skipped when their object is already gone (ENOENT), if the caller says so. */
export function isDeletion(c: NftObjectChange): boolean {
  return c.op === "delete chain" || c.op === "delete set";
}

/**
 * lib/netlink/nf — nfnetlink for berth: nftables chains, sets, rules and set elements
 * (NftHandle, one shared per namespace) and conntrack entries (ConntrackHandle) of one network
 * namespace. The wire encoding is pure and unit-tested (values, set-elements, chains,
 * set-declarations, expressions, rules, nfnetlink, conntrack-wire); the handles do the I/O.
 */
export { NftElementError, NftHandle, NftObjectError, openNftHandle, type NftApplyOptions, type NftChange, type NftElementChange } from "./nft-handle.ts";
export { closeSharedNftHandles, sharedNftHandleCount, withSharedNftHandle } from "./shared-handle.ts";
export { describeChain, type NftChainInfo, type NftChainRef } from "./chains.ts";
export { describeSetRef, type DeclarableKey, type NftSetDeclaration } from "./set-declarations.ts";
export { describeObjectChange, type NftObjectChange, type NftSetRef } from "./objects.ts";
export { formatRule, ruleExpressions, sameExpressions, type NftAction, type NftMatch, type NftRule, type NftRuleInfo, type NftRuleSpec } from "./rules.ts";
export { formatExpr, type NftExpr } from "./expressions.ts";
export { ConntrackHandle, openConntrackHandle } from "./conntrack-handle.ts";
export { openNetfilterSocket, type NfHandleOptions, type NfTransport } from "./open.ts";
export { NftValueError, decodeNftValue, encodeNftValue, formatNftValue, nftValueLength, type NftField, type NftFieldType } from "./values.ts";
export { formatElement, type NftElement, type NftFamily, type NftSetInfo, type NftVerdict } from "./set-elements.ts";
export {
  conntrackMatcher,
  decodeConntrackFlow,
  type ConntrackFilter,
  type ConntrackFlow,
  type ConntrackProtocol,
  type ConntrackTuple,
} from "./conntrack-wire.ts";

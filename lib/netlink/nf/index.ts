/**
 * lib/netlink/nf — nfnetlink for berth: nftables set and map elements (NftHandle) and
 * conntrack entries (ConntrackHandle) of one network namespace. The wire encoding is pure
 * and unit-tested (values, set-elements, nfnetlink, conntrack-wire); the handles do the I/O.
 */
export { NftElementError, NftHandle, openNftHandle, type NftApplyOptions, type NftElementChange } from "./nft-handle.ts";
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

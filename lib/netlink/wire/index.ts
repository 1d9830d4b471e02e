/**
 * lib/netlink/wire — the rtnetlink wire format and the request/response engine.
 * Pure: no sockets, no namespaces; knows bytes, not links or routes.
 */
export * from "./constants.ts";
export { AttrSet, attr, attrLength, encodeAttrs, formatHwAddr, ipBytes, ipFromBytes, isNest, nlaAlign, parseAttrs } from "./attr.ts";
export type { Attr, LeafAttr, NestAttr, RawAttr } from "./attr.ts";
export { concatBytes, decodeHeader, encodeMessage, nlmsgAlign, splitMessages } from "./message.ts";
export type { NetlinkMessage, NlMsgHeader } from "./message.ts";
export * from "./structs.ts";
export { parseDone, parseError } from "./ack.ts";
export type { ErrorPayload, ExtAck } from "./ack.ts";
export { DumpInterruptedError, NetlinkConn } from "./engine.ts";
export type { NetlinkConnOptions, Transport } from "./engine.ts";
export { NetlinkError, NetlinkParseError } from "./errors.ts";
export type { NetlinkErrorOptions } from "./errors.ts";

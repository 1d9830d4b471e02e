/**
 * lib/netlink — rtnetlink for berth: a handle bound to one network namespace, with links,
 * addresses, routes and neighbours in iproute2's vocabulary. The wire format and the
 * request engine are in ./wire (pure, unit-tested); this layer gives them meaning. ./nf adds
 * nfnetlink on the same engine: nftables set elements and conntrack entries.
 */
export { NetlinkHandle, openHandle, type HandleOptions } from "./handle.ts";
export { bridgeVlanAttrs, type BridgeVlanSpec } from "./bridge-vlan.ts";
export { LinkNotFoundError, isNetlinkError } from "./errors.ts";
export { DumpInterruptedError, NetlinkError, NetlinkParseError } from "./wire/index.ts";
export { checkLinkName, decodeLink, type Link, type LinkListFilter, type LinkRef } from "./link.ts";
export { decodeAddress, type AddrListFilter, type AddrOptions, type Address } from "./addr.ts";
export { decodeRoute, type Nexthop, type Route, type RouteListFilter, type RouteSpec } from "./route.ts";
export { decodeNeighbour, type NeighListFilter, type NeighSpec, type Neighbour } from "./neigh.ts";
export {
  LinkWaitTimeoutError,
  Subscription,
  decodeLinkEvent,
  waitForLink,
  type EventSource,
  type LinkEvent,
} from "./events.ts";
export { RouteSocket, ReceiveTimeoutError, type RouteSocketOptions } from "./socket.ts";
/** Multicast groups for Subscription.open. */
export {
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE,
  RTNLGRP_LINK,
  RTNLGRP_NEIGH,
} from "./wire/index.ts";
export { linkKinds } from "./kinds/index.ts";
export type {
  BridgeInfo,
  BridgePortInfo,
  BridgePortSpec,
  BridgeSpec,
  LinkInfo,
  LinkKindName,
  LinkSpec,
  LinkSpecBase,
  MacvlanInfo,
  MacvlanMode,
  MacvlanSpec,
  VethInfo,
  VethPeerSpec,
  VethSpec,
  VxlanInfo,
  VxlanSpec,
} from "./kinds/index.ts";
export type {
  NeighState,
  NeighStateName,
  OperState,
  RouteProtocol,
  RouteProtocolName,
  RouteType,
  RouteTypeName,
  Scope,
  ScopeName,
} from "./names.ts";
export {
  ConntrackHandle,
  NftElementError,
  NftHandle,
  NftValueError,
  conntrackMatcher,
  decodeNftValue,
  encodeNftValue,
  formatElement,
  formatNftValue,
  openConntrackHandle,
  openNetfilterSocket,
  openNftHandle,
  NftObjectError,
  closeSharedNftHandles,
  sharedNftHandleCount,
  withSharedNftHandle,
  describeChain,
  describeSetRef,
  describeObjectChange,
  formatRule,
  formatExpr,
  ruleExpressions,
  sameExpressions,
  type NftChange,
  type NftChainInfo,
  type NftChainRef,
  type DeclarableKey,
  type NftSetDeclaration,
  type NftObjectChange,
  type NftSetRef,
  type NftAction,
  type NftMatch,
  type NftRule,
  type NftRuleInfo,
  type NftRuleSpec,
  type NftExpr,
  type ConntrackFilter,
  type ConntrackFlow,
  type ConntrackProtocol,
  type ConntrackTuple,
  type NfHandleOptions,
  type NfTransport,
  type NftApplyOptions,
  type NftElement,
  type NftElementChange,
  type NftFamily,
  type NftField,
  type NftFieldType,
  type NftSetInfo,
  type NftVerdict,
} from "./nf/index.ts";

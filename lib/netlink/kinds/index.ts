/**
 * The registry of link kinds. A kind's codec lives in its own module; this file only lists
 * them, and the LinkSpec / LinkInfo unions follow from the list.
 */
import type { Attr, AttrSet } from "../wire/index.ts";
import { bridge, type BridgeInfo, type BridgeSpec } from "./bridge.ts";
import type { LinkKind } from "./kind.ts";
import { macvlan, type MacvlanInfo, type MacvlanSpec } from "./macvlan.ts";
import { veth, type VethInfo, type VethSpec } from "./veth.ts";
import { vxlan, type VxlanInfo, type VxlanSpec } from "./vxlan.ts";

/** What linkAdd accepts: one spec per registered kind. */
export type LinkSpec = VethSpec | BridgeSpec | MacvlanSpec | VxlanSpec;
/** What a decoded Link carries in `info` for a registered kind. */
export type LinkInfo = VethInfo | BridgeInfo | MacvlanInfo | VxlanInfo;
export type LinkKindName = LinkSpec["kind"];

type Registry = {
  [K in LinkKindName]: LinkKind<Extract<LinkSpec, { kind: K }>, Extract<LinkInfo, { kind: K }>>;
};

const KINDS: Registry = { veth, bridge, macvlan, vxlan };

function codec(kind: string): LinkKind<LinkSpec, LinkInfo> | undefined {
  return Object.hasOwn(KINDS, kind) ? (KINDS[kind as LinkKindName] as LinkKind<LinkSpec, LinkInfo>) : undefined;
}

/** The registered kinds' names. */
export function linkKinds(): LinkKindName[] {
  return Object.keys(KINDS) as LinkKindName[];
}

/** IFLA_INFO_DATA children and extra top-level attributes for a spec. */
export function encodeKind(spec: LinkSpec): { infoData: readonly Attr[] | undefined; linkAttrs: readonly Attr[] } {
  const c = codec(spec.kind);
  if (c === undefined) throw new RangeError(`Unsupported link kind ${JSON.stringify(spec.kind)}: expected one of ${linkKinds().join(", ")}`);
  return { infoData: c.infoData(spec), linkAttrs: c.linkAttrs?.(spec) ?? [] };
}

/** How the operation creating `spec` reads in messages: `add link "NAME"` plus the kind's words. */
export function describeAdd(spec: LinkSpec): string {
  const extra = codec(spec.kind)?.describe?.(spec);
  return `add link ${JSON.stringify(spec.name)}${extra ? ` ${extra}` : ""}`;
}

/** A kind's explanation of an errno the kernel gave without extack, if it has one. */
export function kindHint(spec: LinkSpec, code: string): string | undefined {
  return codec(spec.kind)?.hint?.(spec, code);
}

/** Decode a kind's IFLA_INFO_DATA; undefined for kinds not registered here. */
export function decodeKind(kind: string, data: AttrSet | undefined): LinkInfo | undefined {
  return codec(kind)?.decode(data);
}

export type { LinkKind, LinkSpecBase } from "./kind.ts";
export type { BridgeInfo, BridgePortInfo, BridgePortSpec, BridgeSpec } from "./bridge.ts";
export { bridgePortAttrs, decodeBridgePort } from "./bridge.ts";
export type { MacvlanInfo, MacvlanMode, MacvlanSpec } from "./macvlan.ts";
export type { VethInfo, VethPeerSpec, VethSpec } from "./veth.ts";
export type { VxlanInfo, VxlanSpec } from "./vxlan.ts";

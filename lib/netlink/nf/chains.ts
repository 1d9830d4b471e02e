/**
 * nf_tables chains on the wire: NEWCHAIN / DELCHAIN / GETCHAIN for regular (non-base) chains
 * of an existing table, and the kernel's description of a chain. Pure.
 *
 * All three requests carry the same two attributes, the table and the chain's name, as nft
 * sends them for `add chain`, `delete chain` and a chain lookup. Base chains (hooks,
 * priorities, policies) are the skeleton's business and go through `nft -f`.
 */
import { NetlinkParseError, attr, encodeAttrs } from "../wire/index.ts";
import { NFTA_CHAIN_HANDLE, NFTA_CHAIN_HOOK, NFTA_CHAIN_NAME, NFTA_CHAIN_POLICY, NFTA_CHAIN_TABLE, NFTA_CHAIN_TYPE, NFTA_CHAIN_USE } from "./constants.ts";
import { decodeNfGenMsg, encodeNfGenMsg, readBe32 } from "./nfnetlink.ts";
import { NFT_FAMILIES, type NftFamily } from "./set-elements.ts";

/** Where a chain lives: `chain inet berth masq_x`. */
export interface NftChainRef {
  family: NftFamily;
  table: string;
  name: string;
}

/** A chain as the kernel describes it (GETCHAIN's answer, or one part of a dump). */
export interface NftChainInfo extends NftChainRef {
  /** The kernel's handle of the chain (what `nft -a` prints). */
  handle: bigint;
  /** How many rules and references (jumps, verdict map elements) hold the chain. */
  use: number;
  /** A base chain's type ("filter", "nat"...); absent for a regular chain. */
  type?: string;
  /** A base chain's policy: NF_ACCEPT (1) or NF_DROP (0). */
  policy?: number;
  /** True for a base chain (one attached to a hook). */
  base: boolean;
}

/** `chain inet berth masq_x`, for messages. */
export function describeChain(c: NftChainRef): string {
  return `chain ${c.family} ${c.table} ${c.name}`;
}

/** The payload of NEWCHAIN, DELCHAIN or GETCHAIN for one regular chain: its table and name. */
export function encodeChain(c: NftChainRef): Uint8Array {
  return withHeader(c.family, encodeAttrs([attr.str(NFTA_CHAIN_TABLE, c.table), attr.str(NFTA_CHAIN_NAME, c.name)]));
}

/** The chain a NEWCHAIN message (GETCHAIN's answer) describes. */
export function decodeChain(payload: Uint8Array): NftChainInfo {
  const { family: number, attrs } = decodeNfGenMsg(payload);
  const family = familyName(number);
  const table = attrs.str(NFTA_CHAIN_TABLE);
  const name = attrs.str(NFTA_CHAIN_NAME);
  if (table === undefined || name === undefined) throw new NetlinkParseError("A chain description lacks its table or name");
  const handle = attrs.get(NFTA_CHAIN_HANDLE);
  const info: NftChainInfo = {
    family,
    table,
    name,
    handle: handle !== undefined && handle.length >= 8 ? new DataView(handle.buffer, handle.byteOffset, 8).getBigUint64(0, false) : 0n,
    use: readBe32(attrs, NFTA_CHAIN_USE) ?? 0,
    base: attrs.has(NFTA_CHAIN_HOOK),
  };
  const type = attrs.str(NFTA_CHAIN_TYPE);
  if (type !== undefined) info.type = type;
  const policy = readBe32(attrs, NFTA_CHAIN_POLICY);
  if (policy !== undefined) info.policy = policy;
  return info;
}

/** The family's name for its NFPROTO number. */
export function familyName(n: number): NftFamily {
  const name = (Object.keys(NFT_FAMILIES) as NftFamily[]).find((f) => NFT_FAMILIES[f] === n);
  if (name === undefined) throw new NetlinkParseError(`Unknown nf_tables family ${n}`);
  return name;
}

/** An nfgenmsg for `family` followed by `body`. */
export function withHeader(family: NftFamily, body: Uint8Array): Uint8Array {
  const head = encodeNfGenMsg(NFT_FAMILIES[family]);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * Named nf_tables sets on the wire: NEWSET / DELSET for a plain set of one field type, as
 * `nft -f` declares `set X { type ifname; }`, and the declaration read back from GETSET. Pure.
 *
 * nft 1.0.6 sends, for such a set: the table, the name, flags, nft's key type id, the key
 * length, NFTA_SET_ID (a number unique within the batch, which the kernel requires), and
 * userdata holding the key's byte order, which `nft list` needs to print the set's type.
 * berth sends the same. (Rules in the same batch find the new set by its name.)
 */
import { NetlinkParseError, attr, encodeAttrs } from "../wire/index.ts";
import {
  NFTA_SET_FLAGS,
  NFTA_SET_ID,
  NFTA_SET_KEY_LEN,
  NFTA_SET_KEY_TYPE,
  NFTA_SET_NAME,
  NFTA_SET_TABLE,
  NFTA_SET_USERDATA,
  NFTNL_UDATA_SET_KEYBYTEORDER,
  NFT_BYTEORDER_BIG_ENDIAN,
  NFT_BYTEORDER_HOST_ENDIAN,
  NFT_SET_INTERVAL,
} from "./constants.ts";
import { familyName, withHeader } from "./chains.ts";
import { be32Attr, decodeNfGenMsg, readBe32 } from "./nfnetlink.ts";
import type { NftFamily } from "./set-elements.ts";
import { fieldTypesOf } from "./set-elements.ts";
import { FIELD_SIZE, NftValueError, type NftFieldType } from "./values.ts";

/** A plain named set: `set NAME { type KEY; [flags interval;] }`. */
export interface NftSetDeclaration {
  family: NftFamily;
  table: string;
  name: string;
  key: DeclarableKey;
  /** `flags interval` (prefixes and ranges as elements). */
  interval?: boolean;
}

/** The key types berth declares sets of, with nft's type id and byte order. */
const KEY_TYPES = {
  ifname: { id: 41, byteorder: NFT_BYTEORDER_HOST_ENDIAN },
  ipv4_addr: { id: 7, byteorder: NFT_BYTEORDER_BIG_ENDIAN },
  ipv6_addr: { id: 8, byteorder: NFT_BYTEORDER_BIG_ENDIAN },
} as const satisfies Partial<Record<NftFieldType, { id: number; byteorder: number }>>;

export type DeclarableKey = keyof typeof KEY_TYPES;

/** `set inet berth fwi_x`, for messages. */
export function describeSetRef(s: { family: NftFamily; table: string; name: string }): string {
  return `set ${s.family} ${s.table} ${s.name}`;
}

/** nft's set userdata: the key's byte order as a TLV of a host-order u32. */
function setUserdata(byteorder: number): Uint8Array {
  const out = new Uint8Array(6);
  out[0] = NFTNL_UDATA_SET_KEYBYTEORDER;
  out[1] = 4;
  new DataView(out.buffer).setUint32(2, byteorder, true);
  return out;
}

/**
 * The payload of NEWSET declaring `s` (sent with NLM_F_CREATE: an existing set is kept);
 * `id` is its NFTA_SET_ID, unique within the batch.
 */
export function encodeNewSet(s: NftSetDeclaration, id: number): Uint8Array {
  const key = KEY_TYPES[s.key] as { id: number; byteorder: number } | undefined;
  if (key === undefined) throw new NftValueError(`Cannot declare ${describeSetRef(s)}: berth declares sets of ${Object.keys(KEY_TYPES).join(", ")}, not ${JSON.stringify(s.key)}`);
  return withHeader(
    s.family,
    encodeAttrs([
      attr.str(NFTA_SET_TABLE, s.table),
      attr.str(NFTA_SET_NAME, s.name),
      be32Attr(NFTA_SET_FLAGS, s.interval ? NFT_SET_INTERVAL : 0),
      be32Attr(NFTA_SET_KEY_TYPE, key.id),
      be32Attr(NFTA_SET_KEY_LEN, FIELD_SIZE[s.key]),
      be32Attr(NFTA_SET_ID, id),
      attr.bytes(NFTA_SET_USERDATA, setUserdata(key.byteorder)),
    ]),
  );
}

/** The payload of DELSET for a set: its table and name. */
export function encodeDelSet(s: { family: NftFamily; table: string; name: string }): Uint8Array {
  return withHeader(s.family, encodeAttrs([attr.str(NFTA_SET_TABLE, s.table), attr.str(NFTA_SET_NAME, s.name)]));
}

/**
 * The declaration a NEWSET message (or GETSET's answer) describes, when it is one berth can
 * declare: a plain set of one known key type, no map. Undefined for anything else.
 */
export function decodeSetDeclaration(payload: Uint8Array): NftSetDeclaration | undefined {
  const { family, attrs } = decodeNfGenMsg(payload);
  const table = attrs.str(NFTA_SET_TABLE);
  const name = attrs.str(NFTA_SET_NAME);
  const keyLen = readBe32(attrs, NFTA_SET_KEY_LEN);
  if (table === undefined || name === undefined || keyLen === undefined) throw new NetlinkParseError("A set description lacks its table, name or key length");
  const flags = readBe32(attrs, NFTA_SET_FLAGS) ?? 0;
  const types = fieldTypesOf(readBe32(attrs, NFTA_SET_KEY_TYPE) ?? 0, keyLen);
  const key = types?.length === 1 ? types[0] : undefined;
  if (key === undefined || !(key in KEY_TYPES) || (flags & ~NFT_SET_INTERVAL) !== 0) return undefined;
  const out: NftSetDeclaration = { family: familyName(family), table, name, key: key as DeclarableKey };
  if ((flags & NFT_SET_INTERVAL) !== 0) out.interval = true;
  return out;
}

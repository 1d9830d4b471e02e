/**
 * nf_tables set elements on the wire: NEWSETELEM / DELSETELEM / DESTROYSETELEM messages, the
 * GETSET answer that describes a set, and the GETSETELEM dump. Pure.
 *
 * Intervals follow nft's encoding. A set of one field with `flags interval` (an rbtree) holds
 * an interval as two elements: its start, and the first value after it flagged
 * NFT_SET_ELEM_INTERVAL_END (none when the interval runs to the end of the key space). A
 * concatenated interval set (pipapo) holds one element with NFTA_SET_ELEM_KEY_END, inclusive.
 */
import { AttrSet, NetlinkParseError, attr, encodeAttrs, type Attr } from "../wire/index.ts";
import {
  NFPROTO_ARP,
  NFPROTO_BRIDGE,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFPROTO_NETDEV,
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_LIST_ELEM,
  NFTA_SET_DATA_LEN,
  NFTA_SET_DATA_TYPE,
  NFTA_SET_ELEM_DATA,
  NFTA_SET_ELEM_FLAGS,
  NFTA_SET_ELEM_KEY,
  NFTA_SET_ELEM_KEY_END,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_TABLE,
  NFTA_SET_ELEM_USERDATA,
  NFTA_SET_FLAGS,
  NFTA_SET_KEY_LEN,
  NFTA_SET_KEY_TYPE,
  NFTA_SET_NAME,
  NFTA_SET_TABLE,
  NFTA_VERDICT_CHAIN,
  NFTA_VERDICT_CODE,
  NFTNL_SET_ELEM_F_INTERVAL_OPEN,
  NFTNL_UDATA_SET_ELEM_FLAGS,
  NFT_DATA_VERDICT,
  NFT_GOTO,
  NFT_JUMP,
  NFT_RETURN,
  NFT_SET_CONCAT,
  NFT_SET_ELEM_CATCHALL,
  NFT_SET_ELEM_INTERVAL_END,
  NFT_SET_INTERVAL,
  NFT_SET_MAP,
  NF_ACCEPT,
  NF_DROP,
} from "./constants.ts";
import { be32Attr, decodeNfGenMsg, encodeNfGenMsg, readBe32 } from "./nfnetlink.ts";
import { NftValueError, decodeNftValue, encodeNftValue, formatNftValue, nftValueLength, type NftField, type NftFieldType } from "./values.ts";

export type NftFamily = "ip" | "ip6" | "inet" | "bridge" | "arp" | "netdev";

export const NFT_FAMILIES: Readonly<Record<NftFamily, number>> = {
  ip: NFPROTO_IPV4,
  ip6: NFPROTO_IPV6,
  inet: NFPROTO_INET,
  bridge: NFPROTO_BRIDGE,
  arp: NFPROTO_ARP,
  netdev: NFPROTO_NETDEV,
};

export interface NftVerdict {
  verdict: "accept" | "drop" | "jump" | "goto" | "return";
  /** The target of jump and goto. */
  chain?: string;
}

export interface NftElement {
  key: readonly NftField[];
  /** Last key of an interval (inclusive), for sets with `flags interval`; default: `key`. */
  keyEnd?: readonly NftField[];
  /** A map's value: fields, or a verdict for a verdict map. */
  data?: readonly NftField[] | NftVerdict;
}

/** What berth needs to know about a set to write its elements (from GETSET). */
export interface NftSetInfo {
  family: NftFamily;
  table: string;
  name: string;
  /** NFT_SET_* flags. */
  flags: number;
  keyLen: number;
  /** The key's field types, when nft's type id names only types berth knows. */
  keyTypes?: NftFieldType[];
  /** Length of a map's data (0 for a set; 16 for a verdict map). */
  dataLen: number;
  dataTypes?: NftFieldType[];
  verdictMap: boolean;
}

/** Where an element lives, for messages: `set inet berth pm4_addr`. */
export function describeSet(family: NftFamily, table: string, set: string): string {
  return `set ${family} ${table} ${set}`;
}

/** An element in nft's syntax: `tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80`, `"br0" : jump c`. */
export function formatElement(e: NftElement): string {
  let text = formatNftValue(e.key);
  if (e.keyEnd !== undefined) text += `-${formatNftValue(e.keyEnd)}`;
  if (e.data === undefined) return text;
  if (isVerdict(e.data)) return `${text} : ${e.data.verdict}${e.data.chain === undefined ? "" : ` ${e.data.chain}`}`;
  return `${text} : ${formatNftValue(e.data)}`;
}

export function isVerdict(data: readonly NftField[] | NftVerdict): data is NftVerdict {
  return !Array.isArray(data);
}

// nft's datatype ids (src/datatype.h), concatenated 6 bits per field, first field highest.
const TYPE_BITS = 6;
const NFT_TYPE_IDS = new Map<number, NftFieldType>([
  [6, "ether_addr"], // TYPE_LLADDR
  [7, "ipv4_addr"],
  [8, "ipv6_addr"],
  [9, "ether_addr"],
  [12, "inet_proto"],
  [13, "inet_service"],
  [19, "mark"],
  [41, "ifname"],
]);

/** The field types named by nft's key/data type id, or undefined for a type berth does not know. */
export function fieldTypesOf(typeId: number, len: number): NftFieldType[] | undefined {
  const out: NftFieldType[] = [];
  for (let t = typeId; t > 0; t = Math.floor(t / (1 << TYPE_BITS))) {
    const type = NFT_TYPE_IDS.get(t % (1 << TYPE_BITS));
    if (type === undefined) return undefined;
    out.unshift(type);
  }
  return out.length > 0 && nftValueLength(out) === len ? out : undefined;
}

/** The GETSET request for one set. */
export function encodeGetSet(family: NftFamily, table: string, set: string): Uint8Array {
  return setPayload(family, [attr.str(NFTA_SET_TABLE, table), attr.str(NFTA_SET_NAME, set)]);
}

/** A set's description from the kernel's answer to GETSET. */
export function decodeSetInfo(payload: Uint8Array, family: NftFamily): NftSetInfo {
  const { attrs } = decodeNfGenMsg(payload);
  const table = attrs.str(NFTA_SET_TABLE);
  const name = attrs.str(NFTA_SET_NAME);
  const flags = readBe32(attrs, NFTA_SET_FLAGS) ?? 0;
  const keyLen = readBe32(attrs, NFTA_SET_KEY_LEN);
  if (table === undefined || name === undefined || keyLen === undefined) throw new NetlinkParseError("A set description lacks its table, name or key length");
  const dataType = readBe32(attrs, NFTA_SET_DATA_TYPE);
  const dataLen = readBe32(attrs, NFTA_SET_DATA_LEN) ?? 0;
  const info: NftSetInfo = { family, table, name, flags, keyLen, dataLen, verdictMap: (flags & NFT_SET_MAP) !== 0 && dataType === NFT_DATA_VERDICT };
  const keyTypes = fieldTypesOf(readBe32(attrs, NFTA_SET_KEY_TYPE) ?? 0, keyLen);
  if (keyTypes) info.keyTypes = keyTypes;
  if (dataType !== undefined && !info.verdictMap) {
    const dataTypes = fieldTypesOf(dataType, dataLen);
    if (dataTypes) info.dataTypes = dataTypes;
  }
  return info;
}

/** The GETSETELEM dump request for one set. */
export function encodeGetSetElements(family: NftFamily, table: string, set: string): Uint8Array {
  return setPayload(family, [attr.str(NFTA_SET_ELEM_LIST_TABLE, table), attr.str(NFTA_SET_ELEM_LIST_SET, set)]);
}

function setPayload(family: NftFamily, attrs: Attr[]): Uint8Array {
  const head = encodeNfGenMsg(NFT_FAMILIES[family]);
  const body = encodeAttrs(attrs);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** nf_tables' verdict codes by name (set element data and immediate expressions). */
export const VERDICT_CODES: Readonly<Record<NftVerdict["verdict"], number>> = {
  accept: NF_ACCEPT,
  drop: NF_DROP,
  jump: NFT_JUMP,
  goto: NFT_GOTO,
  return: NFT_RETURN,
};

function dataAttr(data: readonly NftField[] | NftVerdict): Attr {
  if (!isVerdict(data)) return attr.nest(NFTA_SET_ELEM_DATA, [attr.bytes(NFTA_DATA_VALUE, encodeNftValue(data))]);
  const code = VERDICT_CODES[data.verdict];
  if (code === undefined) throw new NftValueError(`Unknown verdict ${JSON.stringify(data.verdict)}`);
  const needsChain = data.verdict === "jump" || data.verdict === "goto";
  if (needsChain !== (data.chain !== undefined)) {
    throw new NftValueError(needsChain ? `A ${data.verdict} verdict needs a chain` : `A ${data.verdict} verdict takes no chain`);
  }
  const children = [be32Attr(NFTA_VERDICT_CODE, code)];
  if (data.chain !== undefined) children.push(attr.str(NFTA_VERDICT_CHAIN, data.chain));
  return attr.nest(NFTA_SET_ELEM_DATA, [attr.nest(NFTA_DATA_VERDICT, children)]);
}

/** The value after `bytes` read as a big-endian number, or undefined past the largest. */
function increment(bytes: Uint8Array): Uint8Array | undefined {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i] = (out[i] ?? 0) + 1;
      return out;
    }
    out[i] = 0;
  }
  return undefined;
}

function decrement(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0) {
      out[i] = (out[i] ?? 0) - 1;
      return out;
    }
    out[i] = 0xff;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** How an element change is sent: NEWSETELEM, DELSETELEM, or DESTROYSETELEM (absent is fine). */
export type ElementOp = "add" | "delete" | "destroy";

/**
 * The list of NFTA_LIST_ELEM nests that stand for one element of this set, checked against
 * the set's key and data lengths.
 */
export function elementAttrs(info: NftSetInfo, e: NftElement, op: ElementOp): Attr[] {
  const what = `element ${formatElement(e)} of ${describeSet(info.family, info.table, info.name)}`;
  const key = encodeNftValue(e.key);
  if (key.length !== info.keyLen) throw new NftValueError(`Cannot use ${what}: its key has ${key.length} bytes, the set's ${info.keyLen}`);
  const interval = (info.flags & NFT_SET_INTERVAL) !== 0;
  const end = e.keyEnd === undefined ? key : encodeNftValue(e.keyEnd);
  if (e.keyEnd !== undefined) {
    if (!interval) throw new NftValueError(`Cannot use ${what}: the set has no interval flag`);
    if (end.length !== key.length || compareBytes(end, key) < 0) throw new NftValueError(`Cannot use ${what}: its interval ends before it starts`);
  }
  const start: Attr[] = [attr.nest(NFTA_SET_ELEM_KEY, [attr.bytes(NFTA_DATA_VALUE, key)])];
  if (op === "add") {
    const isMap = (info.flags & NFT_SET_MAP) !== 0;
    if (isMap !== (e.data !== undefined)) throw new NftValueError(`Cannot add ${what}: ${isMap ? "a map element needs data" : "a set element takes no data"}`);
    if (e.data !== undefined) {
      if (info.verdictMap !== isVerdict(e.data)) throw new NftValueError(`Cannot add ${what}: ${info.verdictMap ? "a verdict map needs a verdict" : "the map holds values, not verdicts"}`);
      if (!isVerdict(e.data) && encodeNftValue(e.data).length !== info.dataLen) {
        throw new NftValueError(`Cannot add ${what}: its data has ${encodeNftValue(e.data).length} bytes, the map's ${info.dataLen}`);
      }
      start.push(dataAttr(e.data));
    }
  }
  if (!interval) return [attr.nest(NFTA_LIST_ELEM, start)];
  if ((info.flags & NFT_SET_CONCAT) !== 0 || e.key.length > 1) {
    start.splice(1, 0, attr.nest(NFTA_SET_ELEM_KEY_END, [attr.bytes(NFTA_DATA_VALUE, end)]));
    return [attr.nest(NFTA_LIST_ELEM, start)];
  }
  if (e.key[0]?.type === "mark") throw new NftValueError(`Cannot use ${what}: intervals of marks are not supported`);
  const after = increment(end);
  if (after === undefined) {
    // Open to the end of the key space, as nft marks it (so `nft list` shows it as added).
    start.push(attr.bytes(NFTA_SET_ELEM_USERDATA, Uint8Array.of(NFTNL_UDATA_SET_ELEM_FLAGS, 4, NFTNL_SET_ELEM_F_INTERVAL_OPEN, 0, 0, 0)));
    return [attr.nest(NFTA_LIST_ELEM, start)];
  }
  return [
    attr.nest(NFTA_LIST_ELEM, start),
    attr.nest(NFTA_LIST_ELEM, [be32Attr(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END), attr.nest(NFTA_SET_ELEM_KEY, [attr.bytes(NFTA_DATA_VALUE, after)])]),
  ];
}

/** The payload of a NEWSETELEM/DELSETELEM/DESTROYSETELEM message for one element. */
export function encodeElementMessage(info: NftSetInfo, e: NftElement, op: ElementOp): Uint8Array {
  return setPayload(info.family, [
    attr.str(NFTA_SET_ELEM_LIST_TABLE, info.table),
    attr.str(NFTA_SET_ELEM_LIST_SET, info.name),
    attr.nest(NFTA_SET_ELEM_LIST_ELEMENTS, elementAttrs(info, e, op)),
  ]);
}

interface RawElement {
  key: Uint8Array;
  keyEnd?: Uint8Array;
  flags: number;
  data?: Uint8Array | NftVerdict;
}

function decodeVerdict(v: AttrSet): NftVerdict {
  const code = v.get(NFTA_VERDICT_CODE);
  if (code === undefined || code.length < 4) throw new NetlinkParseError("A verdict lacks its code");
  const n = new DataView(code.buffer, code.byteOffset, 4).getInt32(0, false);
  const name = (Object.keys(VERDICT_CODES) as NftVerdict["verdict"][]).find((k) => VERDICT_CODES[k] === n);
  if (name === undefined) throw new NetlinkParseError(`Unknown verdict code ${n}`);
  const chain = v.str(NFTA_VERDICT_CHAIN);
  return chain === undefined ? { verdict: name } : { verdict: name, chain };
}

function valueOf(set: AttrSet | undefined, what: string): Uint8Array {
  const value = set?.get(NFTA_DATA_VALUE);
  if (value === undefined) throw new NetlinkParseError(`A set element's ${what} has no value`);
  return value;
}

function rawElements(messages: readonly { payload: Uint8Array }[]): RawElement[] {
  const out: RawElement[] = [];
  for (const m of messages) {
    const list = decodeNfGenMsg(m.payload).attrs.nested(NFTA_SET_ELEM_LIST_ELEMENTS);
    for (const item of list?.list ?? []) {
      if (item.type !== NFTA_LIST_ELEM) continue;
      const a = AttrSet.parse(item.data);
      const flags = readBe32(a, NFTA_SET_ELEM_FLAGS) ?? 0;
      if ((flags & NFT_SET_ELEM_CATCHALL) !== 0) continue;
      const e: RawElement = { key: valueOf(a.nested(NFTA_SET_ELEM_KEY), "key"), flags };
      if (a.has(NFTA_SET_ELEM_KEY_END)) e.keyEnd = valueOf(a.nested(NFTA_SET_ELEM_KEY_END), "end key");
      const data = a.nested(NFTA_SET_ELEM_DATA);
      if (data !== undefined) {
        const verdict = data.nested(NFTA_DATA_VERDICT);
        e.data = verdict ? decodeVerdict(verdict) : valueOf(data, "data");
      }
      out.push(e);
    }
  }
  return out;
}

/**
 * The elements of a GETSETELEM dump, decoded with the given field types. An rbtree interval
 * set's start/end pairs come back as one element each with an inclusive `keyEnd`; every
 * element of an interval set has a `keyEnd`.
 */
export function decodeElements(
  messages: readonly { payload: Uint8Array }[],
  info: Pick<NftSetInfo, "flags">,
  keyTypes: readonly NftFieldType[],
  dataTypes?: readonly NftFieldType[],
): NftElement[] {
  const decodeData = (d: Uint8Array | NftVerdict): NftField[] | NftVerdict => {
    if (!(d instanceof Uint8Array)) return d;
    if (dataTypes === undefined) throw new NftValueError("The map's data types are needed to decode its elements");
    return decodeNftValue(d, dataTypes);
  };
  const toElement = (key: Uint8Array, keyEnd: Uint8Array | undefined, data: Uint8Array | NftVerdict | undefined): NftElement => {
    const e: NftElement = { key: decodeNftValue(key, keyTypes) };
    if (keyEnd !== undefined) e.keyEnd = decodeNftValue(keyEnd, keyTypes);
    if (data !== undefined) e.data = decodeData(data);
    return e;
  };
  const raw = rawElements(messages);
  const interval = (info.flags & NFT_SET_INTERVAL) !== 0;
  if (!interval) return raw.map((r) => toElement(r.key, undefined, r.data));
  if (raw.some((r) => r.keyEnd !== undefined)) return raw.map((r) => toElement(r.key, r.keyEnd ?? r.key, r.data));
  // rbtree: sort, then pair each start with the end element right after it.
  const sorted = [...raw].sort((a, b) => compareBytes(a.key, b.key) || (b.flags & NFT_SET_ELEM_INTERVAL_END) - (a.flags & NFT_SET_ELEM_INTERVAL_END));
  const out: NftElement[] = [];
  sorted.forEach((r, i) => {
    if ((r.flags & NFT_SET_ELEM_INTERVAL_END) !== 0) return;
    const next = sorted[i + 1];
    const last = next && (next.flags & NFT_SET_ELEM_INTERVAL_END) !== 0 ? decrement(next.key) : new Uint8Array(r.key.length).fill(0xff);
    out.push(toElement(r.key, last, r.data));
  });
  return out;
}

/**
 * nf_tables expressions, the kernel's instructions a rule is made of, as plain values, and
 * their wire form (NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } }). Pure.
 *
 * Only the expressions berth's per-network chains use: meta, payload, bitwise, cmp, lookup,
 * immediate (verdicts) and masq. Attributes are sent in the order nft 1.0.6 sends them, so a
 * rule's bytes equal nft's. Decoding ignores what the kernel adds when it dumps a rule
 * (lookup flags of 0, a bitwise's boolean op) so that decode(kernel) equals what was encoded.
 */
import { AttrSet, NetlinkParseError, attr, type Attr } from "../wire/index.ts";
import {
  NFTA_BITWISE_DREG,
  NFTA_BITWISE_LEN,
  NFTA_BITWISE_MASK,
  NFTA_BITWISE_OP,
  NFTA_BITWISE_SREG,
  NFTA_BITWISE_XOR,
  NFTA_CMP_DATA,
  NFTA_CMP_OP,
  NFTA_CMP_SREG,
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_EXPR_DATA,
  NFTA_EXPR_NAME,
  NFTA_IMMEDIATE_DATA,
  NFTA_IMMEDIATE_DREG,
  NFTA_LIST_ELEM,
  NFTA_LOOKUP_FLAGS,
  NFTA_LOOKUP_SET,
  NFTA_LOOKUP_SREG,
  NFTA_MASQ_FLAGS,
  NFTA_META_DREG,
  NFTA_META_KEY,
  NFTA_PAYLOAD_BASE,
  NFTA_PAYLOAD_DREG,
  NFTA_PAYLOAD_LEN,
  NFTA_PAYLOAD_OFFSET,
  NFTA_VERDICT_CHAIN,
  NFTA_VERDICT_CODE,
  NFT_BITWISE_BOOL,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_LOOKUP_F_INV,
} from "./constants.ts";
import { be32Attr, readBe32 } from "./nfnetlink.ts";
import { VERDICT_CODES, type NftVerdict } from "./set-elements.ts";

/** One expression; registers are numbers (0 the verdict register, 1 the first data one). */
export type NftExpr =
  | { expr: "meta"; key: number; dreg: number }
  | { expr: "payload"; base: number; offset: number; len: number; dreg: number }
  | { expr: "bitwise"; sreg: number; dreg: number; mask: Uint8Array; xor: Uint8Array }
  | { expr: "cmp"; sreg: number; op: "eq" | "neq"; data: Uint8Array }
  | { expr: "lookup"; set: string; sreg: number; invert: boolean }
  | { expr: "immediate"; verdict: NftVerdict }
  | { expr: "masq" };

const value = (type: number, bytes: Uint8Array): Attr => attr.nest(type, [attr.bytes(NFTA_DATA_VALUE, bytes)]);

function verdictAttrs(v: NftVerdict): Attr[] {
  const code = VERDICT_CODES[v.verdict] as number | undefined;
  if (code === undefined) throw new NetlinkParseError(`Unknown verdict ${JSON.stringify(v.verdict)}`);
  const jumps = v.verdict === "jump" || v.verdict === "goto";
  if (jumps !== (v.chain !== undefined)) throw new TypeError(jumps ? `A ${v.verdict} verdict needs a chain` : `A ${v.verdict} verdict takes no chain`);
  return [be32Attr(NFTA_VERDICT_CODE, code), ...(v.chain === undefined ? [] : [attr.str(NFTA_VERDICT_CHAIN, v.chain)])];
}

/** The attributes inside NFTA_EXPR_DATA, in nft's order. */
function dataAttrs(e: NftExpr): Attr[] {
  switch (e.expr) {
    case "meta":
      return [be32Attr(NFTA_META_KEY, e.key), be32Attr(NFTA_META_DREG, e.dreg)];
    case "payload":
      return [be32Attr(NFTA_PAYLOAD_DREG, e.dreg), be32Attr(NFTA_PAYLOAD_BASE, e.base), be32Attr(NFTA_PAYLOAD_OFFSET, e.offset), be32Attr(NFTA_PAYLOAD_LEN, e.len)];
    case "bitwise":
      if (e.mask.length !== e.xor.length) throw new TypeError(`A bitwise expression's mask and xor differ in length (${e.mask.length}, ${e.xor.length})`);
      return [be32Attr(NFTA_BITWISE_SREG, e.sreg), be32Attr(NFTA_BITWISE_DREG, e.dreg), be32Attr(NFTA_BITWISE_LEN, e.mask.length), value(NFTA_BITWISE_MASK, e.mask), value(NFTA_BITWISE_XOR, e.xor)];
    case "cmp":
      return [be32Attr(NFTA_CMP_SREG, e.sreg), be32Attr(NFTA_CMP_OP, e.op === "eq" ? NFT_CMP_EQ : NFT_CMP_NEQ), value(NFTA_CMP_DATA, e.data)];
    case "lookup":
      return [be32Attr(NFTA_LOOKUP_SREG, e.sreg), attr.str(NFTA_LOOKUP_SET, e.set), ...(e.invert ? [be32Attr(NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV)] : [])];
    case "immediate":
      return [be32Attr(NFTA_IMMEDIATE_DREG, 0), attr.nest(NFTA_IMMEDIATE_DATA, [attr.nest(NFTA_DATA_VERDICT, verdictAttrs(e.verdict))])];
    case "masq":
      return [];
  }
}

/** One expression as an NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS. */
export function encodeExpr(e: NftExpr): Attr {
  return attr.nest(NFTA_LIST_ELEM, [attr.str(NFTA_EXPR_NAME, e.expr), attr.nest(NFTA_EXPR_DATA, dataAttrs(e))]);
}

function need(n: number | undefined, what: string): number {
  if (n === undefined) throw new NetlinkParseError(`An expression lacks its ${what}`);
  return n;
}

function dataValue(set: AttrSet, type: number, what: string): Uint8Array {
  const v = set.nested(type)?.get(NFTA_DATA_VALUE);
  if (v === undefined) throw new NetlinkParseError(`An expression lacks its ${what}`);
  return Uint8Array.from(v);
}

function decodeVerdict(data: AttrSet): NftVerdict {
  const v = data.nested(NFTA_DATA_VERDICT);
  const code = v?.get(NFTA_VERDICT_CODE);
  if (v === undefined || code === undefined || code.length < 4) throw new NetlinkParseError("An immediate expression holds no verdict");
  const n = new DataView(code.buffer, code.byteOffset, 4).getInt32(0, false);
  const name = (Object.keys(VERDICT_CODES) as NftVerdict["verdict"][]).find((k) => VERDICT_CODES[k] === n);
  if (name === undefined) throw new NetlinkParseError(`Unknown verdict code ${n}`);
  const chain = v.str(NFTA_VERDICT_CHAIN);
  return chain === undefined ? { verdict: name } : { verdict: name, chain };
}

/** One NFTA_LIST_ELEM's expression; throws NetlinkParseError for one berth does not use. */
export function decodeExpr(elem: Uint8Array): NftExpr {
  const a = AttrSet.parse(elem);
  const name = a.str(NFTA_EXPR_NAME);
  const d = a.nested(NFTA_EXPR_DATA) ?? AttrSet.parse(new Uint8Array(0));
  switch (name) {
    case "meta":
      return { expr: "meta", key: need(readBe32(d, NFTA_META_KEY), "meta key"), dreg: need(readBe32(d, NFTA_META_DREG), "register") };
    case "payload":
      return {
        expr: "payload",
        base: need(readBe32(d, NFTA_PAYLOAD_BASE), "payload base"),
        offset: need(readBe32(d, NFTA_PAYLOAD_OFFSET), "payload offset"),
        len: need(readBe32(d, NFTA_PAYLOAD_LEN), "payload length"),
        dreg: need(readBe32(d, NFTA_PAYLOAD_DREG), "register"),
      };
    case "bitwise": {
      const op = readBe32(d, NFTA_BITWISE_OP) ?? NFT_BITWISE_BOOL;
      if (op !== NFT_BITWISE_BOOL) throw new NetlinkParseError(`A bitwise expression with op ${op} is not one berth uses`);
      return {
        expr: "bitwise",
        sreg: need(readBe32(d, NFTA_BITWISE_SREG), "register"),
        dreg: need(readBe32(d, NFTA_BITWISE_DREG), "register"),
        mask: dataValue(d, NFTA_BITWISE_MASK, "mask"),
        xor: dataValue(d, NFTA_BITWISE_XOR, "xor"),
      };
    }
    case "cmp":
      return { expr: "cmp", sreg: need(readBe32(d, NFTA_CMP_SREG), "register"), op: need(readBe32(d, NFTA_CMP_OP), "cmp op") === NFT_CMP_EQ ? "eq" : "neq", data: dataValue(d, NFTA_CMP_DATA, "cmp data") };
    case "lookup": {
      const set = d.str(NFTA_LOOKUP_SET);
      if (set === undefined) throw new NetlinkParseError("A lookup expression lacks its set");
      return { expr: "lookup", set, sreg: need(readBe32(d, NFTA_LOOKUP_SREG), "register"), invert: ((readBe32(d, NFTA_LOOKUP_FLAGS) ?? 0) & NFT_LOOKUP_F_INV) !== 0 };
    }
    case "immediate": {
      const data = d.nested(NFTA_IMMEDIATE_DATA);
      if (data === undefined || readBe32(d, NFTA_IMMEDIATE_DREG) !== 0) throw new NetlinkParseError("An immediate expression that loads a register is not one berth uses");
      return { expr: "immediate", verdict: decodeVerdict(data) };
    }
    case "masq":
      if ((readBe32(d, NFTA_MASQ_FLAGS) ?? 0) !== 0) throw new NetlinkParseError("A masq expression with flags is not one berth uses");
      return { expr: "masq" };
    default:
      throw new NetlinkParseError(`Expression ${JSON.stringify(name)} is not one berth uses`);
  }
}

/** Expressions in nft's `--debug=netlink` words, for messages and tests: `cmp neq reg 1 0a580000`. */
export function formatExpr(e: NftExpr): string {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
  switch (e.expr) {
    case "meta":
      return `meta load ${e.key} => reg ${e.dreg}`;
    case "payload":
      return `payload load ${e.len}b @ ${e.base} + ${e.offset} => reg ${e.dreg}`;
    case "bitwise":
      return `bitwise reg ${e.dreg} = (reg ${e.sreg} & ${hex(e.mask)}) ^ ${hex(e.xor)}`;
    case "cmp":
      return `cmp ${e.op} reg ${e.sreg} ${hex(e.data)}`;
    case "lookup":
      return `lookup reg ${e.sreg} set ${e.set}${e.invert ? " 0x1" : ""}`;
    case "immediate":
      return `immediate reg 0 ${e.verdict.verdict}${e.verdict.chain === undefined ? "" : ` -> ${e.verdict.chain}`}`;
    case "masq":
      return "masq";
  }
}

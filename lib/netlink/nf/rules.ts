/**
 * nf_tables rules from a small AST: the matches and actions berth's per-network chains use,
 * turned into the expressions nft 1.0.6 generates for the same rule text (so `nft list` prints
 * the rule as written), NEWRULE / DELRULE (flush) / GETRULE messages, and rules read back. Pure.
 *
 * What nft does, and this does too:
 * - In an `inet` table, an `ip`/`ip6` match first needs `meta nfproto ipv4|ipv6` (nft's implicit
 *   dependency), once per rule.
 * - A prefix match loads only the prefix's bytes when it ends on a byte boundary
 *   (`ip saddr 10.88.0.0/24` → 3 bytes at offset 12), the whole address when it is a single
 *   address, and otherwise the whole address through a mask (`ip daddr != 224.0.0.0/4`).
 * - A comment is the rule's userdata: one TLV of type 0 holding the NUL-terminated text.
 */
import { cidrNetwork, formatCidr, parseCidr, prefixMask, type Cidr } from "../../ip/index.ts";
import { NetlinkParseError, attr, encodeAttrs, ipBytes, parseAttrs, type Attr } from "../wire/index.ts";
import {
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFTA_LIST_ELEM,
  NFTA_RULE_CHAIN,
  NFTA_RULE_EXPRESSIONS,
  NFTA_RULE_HANDLE,
  NFTA_RULE_TABLE,
  NFTA_RULE_USERDATA,
  NFTNL_UDATA_COMMENT_MAXLEN,
  NFTNL_UDATA_RULE_COMMENT,
  NFT_META_IIFNAME,
  NFT_META_NFPROTO,
  NFT_META_OIFNAME,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_REG_1,
} from "./constants.ts";
import { familyName, withHeader, type NftChainRef } from "./chains.ts";
import { decodeExpr, encodeExpr, type NftExpr } from "./expressions.ts";
import { decodeNfGenMsg } from "./nfnetlink.ts";
import type { NftFamily, NftVerdict } from "./set-elements.ts";

/** A match of a rule: an address prefix of the packet, or its interface in a named set. */
export type NftMatch = NftPrefixMatch | NftIfnameMatch;

/** `ip saddr 10.88.0.0/24`, `ip6 daddr != ff00::/8` (the family follows the prefix). */
export interface NftPrefixMatch {
  match: "saddr" | "daddr";
  op: "==" | "!=";
  prefix: string;
}

/** `oifname @fwi_x`, `iifname != @set`. */
export interface NftIfnameMatch {
  match: "iifname" | "oifname";
  op: "==" | "!=";
  set: string;
}

function isIfnameMatch(m: NftMatch): m is NftIfnameMatch {
  return m.match === "iifname" || m.match === "oifname";
}

/** What a rule does once it matches: a verdict or masquerade. */
export type NftAction = { action: "verdict"; verdict: NftVerdict } | { action: "masquerade" };

/** A rule of berth's: its matches (all must hold), then its action, and an optional comment. */
export interface NftRuleSpec {
  matches: readonly NftMatch[];
  action: NftAction;
  comment?: string;
}

/** A rule appended to a chain. */
export interface NftRule extends NftChainRef {
  rule: NftRuleSpec;
}

/** A rule read back from the kernel. */
export interface NftRuleInfo {
  family: NftFamily;
  table: string;
  chain: string;
  handle: bigint;
  exprs: NftExpr[];
  comment?: string;
}

/** Offsets of the addresses in the IPv4 and IPv6 headers. */
const ADDRESS_OFFSET = { 4: { saddr: 12, daddr: 16 }, 6: { saddr: 8, daddr: 24 } } as const;

function prefixOf(text: string): Cidr {
  return cidrNetwork(parseCidr(text));
}

/** The rule's expressions, as nft generates them for a table of `family`. */
export function ruleExpressions(family: NftFamily, rule: NftRuleSpec): NftExpr[] {
  const out: NftExpr[] = [];
  let proto: 4 | 6 | undefined;
  for (const m of rule.matches) {
    if (isIfnameMatch(m)) {
      out.push({ expr: "meta", key: m.match === "iifname" ? NFT_META_IIFNAME : NFT_META_OIFNAME, dreg: NFT_REG_1 });
      out.push({ expr: "lookup", set: m.set, sreg: NFT_REG_1, invert: m.op === "!=" });
      continue;
    }
    const cidr = prefixOf(m.prefix);
    const v = cidr.ip.family;
    if (proto !== undefined && proto !== v) throw new TypeError(`A rule cannot match both IPv4 and IPv6 addresses (${m.prefix})`);
    if (proto === undefined) {
      if (family === "inet") {
        out.push({ expr: "meta", key: NFT_META_NFPROTO, dreg: NFT_REG_1 });
        out.push({ expr: "cmp", sreg: NFT_REG_1, op: "eq", data: Uint8Array.of(v === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6) });
      } else if (family !== (v === 4 ? "ip" : "ip6")) {
        throw new TypeError(`A rule of a ${family} table cannot match IPv${v} address ${m.prefix}`);
      }
      proto = v;
    }
    const address = ipBytes(cidr.ip);
    const full = address.length;
    const offset = ADDRESS_OFFSET[v][m.match];
    const op = m.op === "==" ? "eq" : "neq";
    if (cidr.prefix === full * 8 || (cidr.prefix > 0 && cidr.prefix % 8 === 0)) {
      const len = cidr.prefix / 8;
      out.push({ expr: "payload", base: NFT_PAYLOAD_NETWORK_HEADER, offset, len, dreg: NFT_REG_1 });
      out.push({ expr: "cmp", sreg: NFT_REG_1, op, data: address.subarray(0, len) });
    } else {
      out.push({ expr: "payload", base: NFT_PAYLOAD_NETWORK_HEADER, offset, len: full, dreg: NFT_REG_1 });
      out.push({ expr: "bitwise", sreg: NFT_REG_1, dreg: NFT_REG_1, mask: ipBytes({ family: v, value: prefixMask(v, cidr.prefix) }), xor: new Uint8Array(full) });
      out.push({ expr: "cmp", sreg: NFT_REG_1, op, data: address });
    }
  }
  out.push(rule.action.action === "masquerade" ? { expr: "masq" } : { expr: "immediate", verdict: rule.action.verdict });
  return out;
}

/** nft's rule userdata for a comment. */
export function commentUserdata(comment: string): Uint8Array {
  const text = new TextEncoder().encode(comment);
  if (text.includes(0) || text.length + 1 > NFTNL_UDATA_COMMENT_MAXLEN) throw new TypeError(`Comment ${JSON.stringify(comment)} is not one nft can hold (at most ${NFTNL_UDATA_COMMENT_MAXLEN - 1} bytes, no NUL)`);
  const out = new Uint8Array(text.length + 3);
  out[0] = NFTNL_UDATA_RULE_COMMENT;
  out[1] = text.length + 1;
  out.set(text, 2);
  return out;
}

/** The comment in a rule's userdata, if any. */
export function decodeComment(userdata: Uint8Array): string | undefined {
  for (let pos = 0; pos + 2 <= userdata.length; ) {
    const type = userdata[pos] ?? 0;
    const len = userdata[pos + 1] ?? 0;
    if (pos + 2 + len > userdata.length) throw new NetlinkParseError(`Truncated rule userdata: a TLV of ${len} bytes at offset ${pos}`);
    const value = userdata.subarray(pos + 2, pos + 2 + len);
    if (type === NFTNL_UDATA_RULE_COMMENT) {
      const nul = value.indexOf(0);
      return new TextDecoder().decode(nul < 0 ? value : value.subarray(0, nul));
    }
    pos += 2 + len;
  }
  return undefined;
}

/** The payload of NEWRULE appending `r` to its chain (sent with NLM_F_CREATE | NLM_F_APPEND). */
export function encodeNewRule(r: NftRule): Uint8Array {
  const attrs: Attr[] = [
    attr.str(NFTA_RULE_TABLE, r.table),
    attr.str(NFTA_RULE_CHAIN, r.name),
    attr.nest(NFTA_RULE_EXPRESSIONS, ruleExpressions(r.family, r.rule).map(encodeExpr)),
  ];
  if (r.rule.comment !== undefined) attrs.push(attr.bytes(NFTA_RULE_USERDATA, commentUserdata(r.rule.comment)));
  return withHeader(r.family, encodeAttrs(attrs));
}

/**
 * The payload of DELRULE naming only a chain, which deletes every rule of it (`flush chain`),
 * and of the GETRULE dump of one chain's rules.
 */
export function encodeChainRules(c: NftChainRef): Uint8Array {
  return withHeader(c.family, encodeAttrs([attr.str(NFTA_RULE_TABLE, c.table), attr.str(NFTA_RULE_CHAIN, c.name)]));
}

/** A rule from a NEWRULE message (an answer to GETRULE). */
export function decodeRule(payload: Uint8Array): NftRuleInfo {
  const { family, attrs } = decodeNfGenMsg(payload);
  const table = attrs.str(NFTA_RULE_TABLE);
  const chain = attrs.str(NFTA_RULE_CHAIN);
  if (table === undefined || chain === undefined) throw new NetlinkParseError("A rule lacks its table or chain");
  const handle = attrs.get(NFTA_RULE_HANDLE);
  const exprs = parseAttrs(attrs.get(NFTA_RULE_EXPRESSIONS) ?? new Uint8Array(0))
    .filter((a) => a.type === NFTA_LIST_ELEM)
    .map((a) => decodeExpr(a.data));
  const info: NftRuleInfo = {
    family: familyName(family),
    table,
    chain,
    handle: handle !== undefined && handle.length >= 8 ? new DataView(handle.buffer, handle.byteOffset, 8).getBigUint64(0, false) : 0n,
    exprs,
  };
  const userdata = attrs.get(NFTA_RULE_USERDATA);
  const comment = userdata === undefined ? undefined : decodeComment(userdata);
  if (comment !== undefined) info.comment = comment;
  return info;
}

/** True when two expression lists are the same instructions. */
export function sameExpressions(a: readonly NftExpr[], b: readonly NftExpr[]): boolean {
  const key = (e: NftExpr): string => JSON.stringify(e, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
  return a.length === b.length && a.every((e, i) => key(e) === key(b[i] as NftExpr));
}

/** The rule in nft's syntax, as a script writes it after `add rule FAMILY TABLE CHAIN`. */
export function formatRule(rule: NftRuleSpec): string {
  const words: string[] = [];
  for (const m of rule.matches) {
    const neg = m.op === "!=" ? "!= " : "";
    if (isIfnameMatch(m)) {
      words.push(`${m.match} ${neg}@${m.set}`);
      continue;
    }
    const cidr = prefixOf(m.prefix);
    words.push(`${cidr.ip.family === 4 ? "ip" : "ip6"} ${m.match} ${neg}${formatCidr(cidr)}`);
  }
  const a = rule.action;
  words.push(a.action === "masquerade" ? "masquerade" : `${a.verdict.verdict}${a.verdict.chain === undefined ? "" : ` ${a.verdict.chain}`}`);
  if (rule.comment !== undefined) words.push(`comment "${rule.comment}"`);
  return words.join(" ");
}

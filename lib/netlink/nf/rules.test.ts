/**
 * Rules built from berth's AST against the bytes nft sent for the same rule text, expressions
 * read back from nft's bytes and from the kernel's dumps, and the rule text for scripts.
 */
import { describe, expect, it } from "vitest";
import { encodeAttrs } from "../wire/index.ts";
import { decodeExpr, encodeExpr, formatExpr, type NftExpr } from "./expressions.ts";
import { commentUserdata, decodeComment, decodeRule, encodeChainRules, encodeNewRule, formatRule, ruleExpressions, sameExpressions, type NftRuleSpec } from "./rules.ts";
import * as cap from "./testdata/captured-tables.ts";
import { fromHex } from "./testdata/captured.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const berth = { family: "inet" as const, table: "berth" };
const masq = (net: string, out: string[], comment?: string): NftRuleSpec => ({
  matches: [{ match: "saddr", op: "==", prefix: net }, ...out.map((p) => ({ match: "daddr" as const, op: "!=" as const, prefix: p }))],
  action: { action: "masquerade" },
  ...(comment === undefined ? {} : { comment }),
});
const verdict = (v: "accept" | "drop" | "return", matches: NftRuleSpec["matches"] = [], comment?: string): NftRuleSpec => ({
  matches,
  action: { action: "verdict", verdict: { verdict: v } },
  ...(comment === undefined ? {} : { comment }),
});

/** Every rule of the fixtures: chain, AST, and the bytes nft sent. */
const RULES: [string, NftRuleSpec, string][] = [
  ["masq_n", masq("10.88.0.0/24", ["10.88.0.0/24", "224.0.0.0/4"], "berth:net-1"), cap.RULE_MASQ_V4],
  ["masq_n", masq("fd00:88::/64", ["fd00:88::/64", "ff00::/8"], "berth:net-1"), cap.RULE_MASQ_V6],
  ["fwf_x", verdict("accept", [{ match: "oifname", op: "==", set: "fwi_x" }], "berth:n"), cap.RULE_FWF_OIF_ACCEPT],
  ["fwf_x", verdict("drop", [{ match: "iifname", op: "==", set: "fw_all" }], "berth:n"), cap.RULE_FWF_IIF_DROP],
  ["fwf_x", verdict("drop", [], "berth:n"), cap.RULE_FWF_DROP],
  ["t", masq("10.88.0.0/20", ["10.88.0.0/20"]), cap.RULE_T1],
  ["t", masq("10.88.0.5/32", ["0.0.0.0/0"]), cap.RULE_T2],
  ["t", masq("fd00:88::/60", ["fd00::/7"]), cap.RULE_T3],
  ["t", verdict("return", [{ match: "saddr", op: "==", prefix: "fd00:88::1/128" }]), cap.RULE_T4],
  ["t", { matches: [], action: { action: "verdict", verdict: { verdict: "jump", chain: "masq_n" } } }, cap.RULE_T5],
  ["t", masq("10.0.0.0/8", ["10.0.0.0/8"]), cap.RULE_T6],
  ["t2", { matches: [], action: { action: "verdict", verdict: { verdict: "jump", chain: "masq_n" } } }, cap.RULE_JUMP],
];

describe("NEWRULE, byte for byte as nft sends it", () => {
  it.each(RULES.map(([chain, rule, bytes]) => [formatRule(rule), chain, rule, bytes] as const))("%s", (_text, chain, rule, bytes) => {
    expect(hex(encodeNewRule({ ...berth, name: chain, rule }))).toBe(bytes);
  });

  it("adds nft's meta nfproto dependency once per rule in an inet table, and none in an ip table", () => {
    const rule = masq("10.88.0.0/24", ["10.88.0.0/24"]);
    const inet = ruleExpressions("inet", rule).map(formatExpr);
    expect(inet.filter((e) => e.startsWith("meta load 15"))).toHaveLength(1);
    expect(inet.slice(0, 2)).toEqual(["meta load 15 => reg 1", "cmp eq reg 1 02"]);
    expect(ruleExpressions("ip", rule).map(formatExpr)).toEqual(inet.slice(2));
  });

  it("refuses rules nft would refuse: both families in one rule, a family the table cannot see, a bad prefix", () => {
    expect(() => ruleExpressions("inet", masq("10.0.0.0/8", ["fd00::/8"]))).toThrow(/both IPv4 and IPv6/);
    expect(() => ruleExpressions("ip6", masq("10.0.0.0/8", []))).toThrow(/ip6 table cannot match IPv4/);
    expect(() => ruleExpressions("inet", masq("10.0.0.0/33", []))).toThrow(/10\.0\.0\.0\/33/);
    expect(() => commentUserdata("x".repeat(128))).toThrow(/at most 127 bytes/);
  });

  it("flushes a chain with a DELRULE naming only the chain", () => {
    expect(hex(encodeChainRules({ ...berth, name: "masq_n" }))).toBe(cap.FLUSH_MASQ);
  });
});

describe("rules read back", () => {
  it("decodes nft's own bytes (lookup set IDs and all) to the expressions berth generates", () => {
    const withIds = [cap.RULE_MASQ_V4, cap.RULE_FWF_OIF_ACCEPT].map((h) => decodeRule(fromHex(h)));
    expect(sameExpressions(withIds[0]!.exprs, ruleExpressions("inet", RULES[0]![1]))).toBe(true);
    expect(withIds[1]!.comment).toBe("berth:n");
  });

  it("decodes the kernel's dump of a chain: table, chain, handle, expressions and comment", () => {
    const rules = [cap.KERNEL_RULE_MASQ_1, cap.KERNEL_RULE_MASQ_2].map((h) => decodeRule(fromHex(h)));
    expect(rules.map((r) => [r.family, r.table, r.chain, r.comment])).toEqual([
      ["inet", "berth", "masq_n", "berth:net-1"],
      ["inet", "berth", "masq_n", "berth:net-1"],
    ]);
    expect(rules[0]!.handle).toBeGreaterThan(0n);
    expect(rules[1]!.handle).toBe(rules[0]!.handle + 1n);
    expect(sameExpressions(rules[0]!.exprs, ruleExpressions("inet", RULES[0]![1]))).toBe(true);
    expect(sameExpressions(rules[1]!.exprs, ruleExpressions("inet", RULES[1]![1]))).toBe(true);
    expect(sameExpressions(rules[1]!.exprs, ruleExpressions("inet", RULES[0]![1]))).toBe(false);
    const fwf = [cap.KERNEL_RULE_FWF_1, cap.KERNEL_RULE_FWF_2, cap.KERNEL_RULE_FWF_3].map((h) => decodeRule(fromHex(h)));
    fwf.forEach((r, i) => expect(sameExpressions(r.exprs, ruleExpressions("inet", RULES[2 + i]![1]))).toBe(true));
  });

  it("reads the expressions of the masquerade rule as nft --debug=netlink prints them", () => {
    expect(decodeRule(fromHex(cap.KERNEL_RULE_MASQ_1)).exprs.map(formatExpr)).toEqual([
      "meta load 15 => reg 1",
      "cmp eq reg 1 02",
      "payload load 3b @ 1 + 12 => reg 1",
      "cmp eq reg 1 0a5800",
      "payload load 3b @ 1 + 16 => reg 1",
      "cmp neq reg 1 0a5800",
      "payload load 4b @ 1 + 16 => reg 1",
      "bitwise reg 1 = (reg 1 & f0000000) ^ 00000000",
      "cmp neq reg 1 e0000000",
      "masq",
    ]);
  });

  it("round-trips every expression kind, inverted lookups and goto included", () => {
    const exprs: NftExpr[] = [
      { expr: "meta", key: 7, dreg: 1 },
      { expr: "lookup", set: "s", sreg: 1, invert: true },
      { expr: "payload", base: 1, offset: 12, len: 4, dreg: 1 },
      { expr: "bitwise", sreg: 1, dreg: 1, mask: Uint8Array.of(255, 0), xor: Uint8Array.of(0, 0) },
      { expr: "cmp", sreg: 1, op: "neq", data: Uint8Array.of(1, 2) },
      { expr: "immediate", verdict: { verdict: "goto", chain: "c" } },
      { expr: "masq" },
    ];
    const back = exprs.map((e) => decodeExpr(encodeAttrs([encodeExpr(e)]).subarray(4)));
    expect(sameExpressions(back, exprs)).toBe(true);
  });

  it("reads a comment from userdata and ignores other TLVs", () => {
    expect(decodeComment(commentUserdata("berth:net-1"))).toBe("berth:net-1");
    expect(decodeComment(Uint8Array.of(5, 1, 9, ...commentUserdata("x")))).toBe("x");
    expect(decodeComment(Uint8Array.of(5, 1, 9))).toBeUndefined();
    expect(() => decodeComment(Uint8Array.of(0, 9, 1))).toThrow(/Truncated rule userdata/);
  });

  it("names an expression it does not know", () => {
    const counter = encodeAttrs([{ type: 1, flags: 0x8000, children: [{ type: 1, flags: 0, data: Uint8Array.of(0x63, 0x74, 0) }] }]);
    expect(() => decodeExpr(counter.subarray(4))).toThrow(/Expression "ct" is not one berth uses/);
  });
});

describe("rule text", () => {
  it("writes what the firewall's scripts wrote by hand", () => {
    expect(formatRule(RULES[0]![1])).toBe('ip saddr 10.88.0.0/24 ip daddr != 10.88.0.0/24 ip daddr != 224.0.0.0/4 masquerade comment "berth:net-1"');
    expect(formatRule(RULES[1]![1])).toBe('ip6 saddr fd00:88::/64 ip6 daddr != fd00:88::/64 ip6 daddr != ff00::/8 masquerade comment "berth:net-1"');
    expect(formatRule(RULES[2]![1])).toBe('oifname @fwi_x accept comment "berth:n"');
    expect(formatRule(RULES[4]![1])).toBe('drop comment "berth:n"');
    expect(formatRule({ matches: [{ match: "iifname", op: "!=", set: "s" }], action: { action: "verdict", verdict: { verdict: "jump", chain: "c" } } })).toBe("iifname != @s jump c");
  });
});

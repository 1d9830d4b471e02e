/**
 * Chain and set messages against the bytes nft sent, the kernel's chain and set descriptions
 * decoded, and the batch messages and words of object changes.
 */
import { describe, expect, it } from "vitest";
import { NLM_F_APPEND, NLM_F_CREATE } from "../wire/index.ts";
import { decodeChain, describeChain, encodeChain } from "./chains.ts";
import { NFT_MSG_DELCHAIN, NFT_MSG_DELRULE, NFT_MSG_DELSET, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_NEWSET } from "./constants.ts";
import { describeObjectChange, isDeletion, objectMessage, type NftObjectChange } from "./objects.ts";
import { decodeSetDeclaration, encodeDelSet, encodeNewSet } from "./set-declarations.ts";
import * as cap from "./testdata/captured-tables.ts";
import { fromHex } from "./testdata/captured.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const berth = { family: "inet" as const, table: "berth" };

describe("chains", () => {
  it("adds and deletes a regular chain with nft's bytes", () => {
    expect(hex(encodeChain({ ...berth, name: "masq_n" }))).toBe(cap.NEWCHAIN_MASQ);
    expect(hex(encodeChain({ ...berth, name: "masq_n" }))).toBe(cap.DELCHAIN_MASQ);
  });

  it("decodes the kernel's description of a regular chain and of a base chain", () => {
    const masq = decodeChain(fromHex(cap.KERNEL_CHAIN_MASQ));
    expect(masq).toMatchObject({ family: "inet", table: "berth", name: "masq_n", base: false, use: 2 });
    expect(masq.handle).toBeGreaterThan(0n);
    expect(masq.type).toBeUndefined();
    expect(decodeChain(fromHex(cap.KERNEL_CHAIN_POSTROUTING))).toMatchObject({ name: "postrouting", base: true, type: "nat", policy: 1 });
  });

  it("names chains as nft does", () => {
    expect(describeChain({ family: "bridge", table: "berth", name: "spoof" })).toBe("chain bridge berth spoof");
  });
});

describe("set declarations", () => {
  it("declares sets with nft's bytes: type, key length, set ID and the key's byte order", () => {
    expect(hex(encodeNewSet({ ...berth, name: "fwi_x", key: "ifname" }, 1))).toBe(cap.NEWSET_FWI);
    expect(hex(encodeNewSet({ ...berth, name: "s4x", key: "ipv4_addr" }, 1))).toBe(cap.NEWSET_S4);
    expect(hex(encodeNewSet({ ...berth, name: "s6x", key: "ipv6_addr", interval: true }, 2))).toBe(cap.NEWSET_S6_INTERVAL);
    expect(hex(encodeDelSet({ ...berth, name: "fwi_x" }))).toBe(cap.DELSET_FWI);
  });

  it("refuses a key type it cannot declare, naming the set", () => {
    expect(() => encodeNewSet({ ...berth, name: "m", key: "mark" as "ifname" }, 1)).toThrow('Cannot declare set inet berth m: berth declares sets of ifname, ipv4_addr, ipv6_addr, not "mark"');
  });

  it("reads back the declaration from the kernel's GETSET answer and from nft's NEWSET", () => {
    expect(decodeSetDeclaration(fromHex(cap.KERNEL_SET_FWI))).toEqual({ ...berth, name: "fwi_x", key: "ifname" });
    expect(decodeSetDeclaration(fromHex(cap.NEWSET_S6_INTERVAL))).toEqual({ ...berth, name: "s6x", key: "ipv6_addr", interval: true });
  });
});

describe("object changes as batch messages", () => {
  const chain = { ...berth, name: "masq_n" };
  const rule = { ...chain, rule: { matches: [], action: { action: "verdict" as const, verdict: { verdict: "drop" as const } }, comment: "berth:n" } };
  const cases: [NftObjectChange, number, number, string][] = [
    [{ op: "add chain", chain }, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add chain inet berth masq_n"],
    [{ op: "flush chain", chain }, NFT_MSG_DELRULE, 0, "flush chain inet berth masq_n"],
    [{ op: "delete chain", chain }, NFT_MSG_DELCHAIN, 0, "delete chain inet berth masq_n"],
    [{ op: "add set", set: { ...berth, name: "fwi_x", key: "ifname" } }, NFT_MSG_NEWSET, NLM_F_CREATE, "add set inet berth fwi_x"],
    [{ op: "delete set", set: { ...berth, name: "fwi_x" } }, NFT_MSG_DELSET, 0, "delete set inet berth fwi_x"],
    [{ op: "add rule", rule }, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, 'add rule to chain inet berth masq_n: drop comment "berth:n"'],
  ];

  it.each(cases)("%j", (change, type, flags, words) => {
    const m = objectMessage(change, 1);
    expect(m.type).toBe((10 << 8) | type);
    expect(m.flags).toBe(flags);
    expect(describeObjectChange(change)).toBe(words);
    expect(isDeletion(change)).toBe(change.op.startsWith("delete"));
  });

  it("flags nothing but creation: adding what exists keeps it (nft's add, not create)", () => {
    expect(hex(objectMessage({ op: "add set", set: { ...berth, name: "fwi_x", key: "ifname" } }, 1).payload)).toBe(cap.NEWSET_FWI);
  });
});

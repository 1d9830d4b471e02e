/**
 * Set element messages against what nft itself sent for the same elements, set descriptions
 * and element dumps against what the kernel answered, and decode(encode(x)) round trips.
 */
import { describe, expect, it } from "vitest";
import { NFT_SET_CONCAT, NFT_SET_INTERVAL, NFT_SET_MAP } from "./constants.ts";
import { decodeElements, decodeSetInfo, encodeElementMessage, fieldTypesOf, formatElement, type NftElement, type NftSetInfo } from "./set-elements.ts";
import * as cap from "./testdata/captured.ts";
import type { NftField } from "./values.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const dump = (...payloads: string[]): { payload: Uint8Array }[] => payloads.map((p) => ({ payload: cap.fromHex(p) }));

const s4: NftSetInfo = { family: "inet", table: "bt1", name: "s4", flags: 0, keyLen: 4, dataLen: 0, verdictMap: false };
const iv: NftSetInfo = { ...s4, name: "iv", flags: NFT_SET_INTERVAL };
const pm: NftSetInfo = { ...s4, name: "pm", flags: NFT_SET_MAP, keyLen: 12, dataLen: 8 };
const vm: NftSetInfo = { ...s4, name: "vm", flags: NFT_SET_MAP, keyLen: 16, dataLen: 16, verdictMap: true };

const v4 = (value: string): NftField => ({ type: "ipv4_addr", value });
const pmKey: NftField[] = [{ type: "inet_proto", value: "tcp" }, v4("10.0.0.1"), { type: "inet_service", value: 8080 }];
const pmData: NftField[] = [v4("172.17.0.2"), { type: "inet_service", value: 80 }];

describe("element messages, byte for byte as nft sends them", () => {
  it("adds a concatenated map element with its data", () => {
    expect(hex(encodeElementMessage(pm, { key: pmKey, data: pmData }, "add"))).toBe(cap.NFT_ADD_PM);
  });

  it("adds a verdict map element: jump with its chain", () => {
    const e: NftElement = { key: [{ type: "ifname", value: "veth0" }], data: { verdict: "jump", chain: "c1" } };
    expect(hex(encodeElementMessage(vm, e, "add"))).toBe(cap.NFT_ADD_VM_JUMP);
  });

  it("adds a verdict map element: accept", () => {
    expect(hex(encodeElementMessage(vm, { key: [{ type: "ifname", value: "eth1" }], data: { verdict: "accept" } }, "add"))).toBe(cap.NFT_ADD_VM_ACCEPT);
  });

  it("deletes by key alone", () => {
    expect(hex(encodeElementMessage(s4, { key: [v4("10.1.2.3")] }, "delete"))).toBe(cap.NFT_DEL_S4);
  });

  it("adds an interval of an rbtree set as a start and an end flagged INTERVAL_END", () => {
    const e: NftElement = { key: [v4("10.0.0.0")], keyEnd: [v4("10.0.0.255")] };
    expect(hex(encodeElementMessage(iv, e, "add"))).toBe(cap.NFT_ADD_IV_PREFIX);
    expect(hex(encodeElementMessage(iv, e, "delete"))).toBe(cap.NFT_DEL_IV_PREFIX);
  });

  it("marks an interval that reaches the end of the key space as open, with no end element", () => {
    expect(hex(encodeElementMessage(iv, { key: [v4("255.255.255.0")], keyEnd: [v4("255.255.255.255")] }, "add"))).toBe(cap.NFT_ADD_IV_OPEN);
  });

  it("gives a single value in an interval set an end too (never an open interval by accident)", () => {
    const one = encodeElementMessage(iv, { key: [v4("10.0.0.7")] }, "add");
    const range = encodeElementMessage(iv, { key: [v4("10.0.0.7")], keyEnd: [v4("10.0.0.7")] }, "add");
    expect(hex(one)).toBe(hex(range));
    expect(hex(one)).toContain("0a000008"); // the end element: 10.0.0.8
  });

  it("sends a concatenated interval as one element with KEY_END", () => {
    const info: NftSetInfo = { ...s4, flags: NFT_SET_INTERVAL | NFT_SET_CONCAT, keyLen: 8 };
    const e: NftElement = { key: [v4("10.0.0.0"), { type: "inet_service", value: 1000 }], keyEnd: [v4("10.0.0.255"), { type: "inet_service", value: 2000 }] };
    const bytes = hex(encodeElementMessage(info, e, "add"));
    // NFTA_SET_ELEM_KEY then NFTA_SET_ELEM_KEY_END (type 10), both nests of an 8-byte value.
    expect(bytes).toContain("10000180" + "0c000100" + "0a00000003e80000" + "10000a80" + "0c000100" + "0a0000ff07d00000");
  });
});

describe("element checks against the set, before anything is sent", () => {
  it("names the set and element when the key does not fit", () => {
    expect(() => encodeElementMessage(pm, { key: [v4("10.0.0.1")], data: pmData }, "add")).toThrow(
      "Cannot use element 10.0.0.1 : 172.17.0.2 . 80 of set inet bt1 pm: its key has 4 bytes, the set's 12",
    );
  });

  it("wants data for a map and none for a set", () => {
    expect(() => encodeElementMessage(pm, { key: pmKey }, "add")).toThrow(/a map element needs data/);
    expect(() => encodeElementMessage(s4, { key: [v4("10.0.0.1")], data: pmData }, "add")).toThrow(/a set element takes no data/);
  });

  it("wants verdicts in a verdict map only, and chains for jump and goto only", () => {
    const key = [{ type: "ifname", value: "x" } as const];
    expect(() => encodeElementMessage(vm, { key, data: pmData }, "add")).toThrow(/needs a verdict/);
    expect(() => encodeElementMessage(pm, { key: pmKey, data: { verdict: "accept" } }, "add")).toThrow(/not verdicts/);
    expect(() => encodeElementMessage(vm, { key, data: { verdict: "jump" } }, "add")).toThrow(/needs a chain/);
    expect(() => encodeElementMessage(vm, { key, data: { verdict: "drop", chain: "c1" } }, "add")).toThrow(/takes no chain/);
  });

  it("refuses intervals in a set without the interval flag, and backwards intervals", () => {
    expect(() => encodeElementMessage(s4, { key: [v4("10.0.0.1")], keyEnd: [v4("10.0.0.9")] }, "add")).toThrow(/no interval flag/);
    expect(() => encodeElementMessage(iv, { key: [v4("10.0.0.9")], keyEnd: [v4("10.0.0.1")] }, "add")).toThrow(/ends before it starts/);
  });
});

describe("set descriptions (GETSET answers)", () => {
  it("decodes a concatenated map's flags, lengths and field types", () => {
    expect(decodeSetInfo(cap.fromHex(cap.GETSET_PM), "inet")).toEqual({
      family: "inet",
      table: "bt1",
      name: "pm",
      flags: NFT_SET_MAP,
      keyLen: 12,
      keyTypes: ["inet_proto", "ipv4_addr", "inet_service"],
      dataLen: 8,
      dataTypes: ["ipv4_addr", "inet_service"],
      verdictMap: false,
    });
  });

  it("recognises a verdict map and an interval set", () => {
    const v = decodeSetInfo(cap.fromHex(cap.GETSET_VM), "inet");
    expect(v).toMatchObject({ name: "vm", verdictMap: true, keyTypes: ["ifname"], dataLen: 16 });
    expect(v.dataTypes).toBeUndefined();
    expect(decodeSetInfo(cap.fromHex(cap.GETSET_IV), "inet")).toMatchObject({ name: "iv", flags: NFT_SET_INTERVAL, keyLen: 4, keyTypes: ["ipv4_addr"] });
  });

  it("reads nft's type ids, and gives up on types it does not know", () => {
    expect(fieldTypesOf((((12 << 6) | 7) << 6) | 13, 12)).toEqual(["inet_proto", "ipv4_addr", "inet_service"]);
    expect(fieldTypesOf(41, 16)).toEqual(["ifname"]);
    expect(fieldTypesOf(4, 4)).toBeUndefined(); // TYPE_INTEGER
    expect(fieldTypesOf(7, 16)).toBeUndefined(); // length disagrees
  });
});

describe("element dumps (GETSETELEM answers)", () => {
  it("pairs an rbtree's starts and ends into inclusive intervals, open ones to the end", () => {
    const got = decodeElements(dump(cap.DUMP_IV, cap.DUMP_END), iv, ["ipv4_addr"]);
    expect(got.map(formatElement)).toEqual(["10.5.0.0-10.5.0.255", "10.6.0.1-10.6.0.1", "255.255.255.0-255.255.255.255"]);
  });

  it("decodes verdicts with their chains", () => {
    expect(decodeElements(dump(cap.DUMP_VM), vm, ["ifname"])).toEqual([
      { key: [{ type: "ifname", value: "eth1" }], data: { verdict: "accept" } },
      { key: [{ type: "ifname", value: "veth0" }], data: { verdict: "jump", chain: "c1" } },
      { key: [{ type: "ifname", value: "br9" }], data: { verdict: "goto", chain: "c1" } },
    ]);
  });

  it("decodes concatenated keys and data", () => {
    const got = decodeElements(dump(cap.DUMP_PM), pm, ["inet_proto", "ipv4_addr", "inet_service"], ["ipv4_addr", "inet_service"]);
    expect(got.map(formatElement)).toEqual(["udp . 10.0.0.1 . 53 : 172.17.0.3 . 5353", "tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80"]);
  });

  it("needs the data types of a value map", () => {
    expect(() => decodeElements(dump(cap.DUMP_PM), pm, ["inet_proto", "ipv4_addr", "inet_service"])).toThrow(/data types are needed/);
  });

  it("round-trips what it encodes (an added element reads back the same)", () => {
    // The kernel's dump of an element is its add message's element list: decode ours as one.
    const elements: [NftSetInfo, NftElement, string[], string[]?][] = [
      [pm, { key: pmKey, data: pmData }, ["inet_proto", "ipv4_addr", "inet_service"], ["ipv4_addr", "inet_service"]],
      [vm, { key: [{ type: "ifname", value: "br-1" }], data: { verdict: "return" } }, ["ifname"]],
      [iv, { key: [v4("192.168.0.0")], keyEnd: [v4("192.168.255.255")] }, ["ipv4_addr"]],
    ];
    for (const [info, e, keyTypes, dataTypes] of elements) {
      const payload = encodeElementMessage(info, e, "add");
      expect(decodeElements([{ payload }], info, keyTypes as never, dataTypes as never)).toEqual([e]);
    }
  });
});

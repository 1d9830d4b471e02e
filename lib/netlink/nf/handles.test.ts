/**
 * The handles' logic over fake kernels (no root): how apply() copes with a kernel without
 * DESTROYSETELEM, maps a refusal to its element, and how delete() counts entries that vanish.
 */
import { describe, expect, it } from "vitest";
import { concatBytes } from "../wire/index.ts";
import { ConntrackHandle } from "./conntrack-handle.ts";
import { encodeConntrackDelete, type ConntrackFlow } from "./conntrack-wire.ts";
import { NftElementError, NftHandle, NftObjectError, type NftElementChange } from "./nft-handle.ts";
import * as cap from "./testdata/captured.ts";
import { FakeConntrack, FakeNfTables } from "./testdata/fake-kernels.ts";
import type { NftElement } from "./set-elements.ts";

const iv = (a: string): NftElement => ({ key: [{ type: "ipv4_addr", value: a }] });
const change = (op: "add" | "delete", ...addrs: string[]): NftElementChange => ({ op, family: "inet", table: "bt1", set: "iv", elements: addrs.map(iv) });

function nft(): { kernel: FakeNfTables; h: NftHandle } {
  const kernel = new FakeNfTables({ iv: cap.fromHex(cap.GETSET_IV) });
  return { kernel, h: new NftHandle(kernel) };
}
const present = (k: FakeNfTables): string[] => [...(k.elements.get("iv") ?? [])].sort();

describe("NftHandle.apply", () => {
  it("sends one batch for all changes, after asking once for the set's description", () => {
    const { kernel, h } = nft();
    h.apply([change("add", "10.0.0.1", "10.0.0.2"), change("add", "10.0.0.3")]);
    h.apply([change("delete", "10.0.0.2")]);
    expect(kernel.datagrams.map((d) => d.length)).toEqual([1, 2 + 3, 2 + 1]); // GETSET, then two batches
    expect(present(kernel)).toEqual(["0a000001", "0a000003"]);
  });

  it("names the refused element and applies nothing", () => {
    const { kernel, h } = nft();
    h.apply([change("add", "10.0.0.2")]);
    let err: unknown;
    try {
      h.apply([change("add", "10.0.0.1"), change("add", "10.0.0.2")]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NftElementError);
    expect(err).toMatchObject({ code: "EEXIST", set: "iv", element: iv("10.0.0.2"), others: 0 });
    expect(String(err)).toContain("Cannot add element 10.0.0.2 to set inet bt1 iv: EEXIST");
    expect(present(kernel)).toEqual(["0a000002"]);
  });

  it("ignoreMissing uses DESTROYSETELEM: one batch", () => {
    const { kernel, h } = nft();
    h.apply([change("add", "10.0.0.1")]);
    h.apply([change("delete", "10.0.0.1", "10.0.0.9")], { ignoreMissing: true });
    expect(kernel.datagrams.at(-1)?.map((m) => m.type & 0xff)).toEqual([0x10, 30, 30, 0x11]);
    expect(present(kernel)).toEqual([]);
  });

  it("without DESTROYSETELEM (kernel < 6.3), falls back to DELSETELEM and drops elements already gone", () => {
    const { kernel, h } = nft();
    kernel.knowsDestroy = false;
    h.apply([change("add", "10.0.0.1", "10.0.0.2")]);
    h.apply([change("delete", "10.0.0.1", "10.0.0.9"), change("add", "10.0.0.3")], { ignoreMissing: true });
    expect(present(kernel)).toEqual(["0a000002", "0a000003"]);
    // destroy refused; delete of 10.0.0.9 refused; the rest committed. The handle remembers.
    expect(kernel.datagrams.slice(2).map((d) => d.map((m) => m.type & 0xff).join(","))).toEqual(["16,30,30,12,17", "16,14,14,12,17", "16,14,12,17"]);
    h.apply([change("delete", "10.0.0.3")], { ignoreMissing: true });
    expect(kernel.datagrams.at(-1)?.map((m) => m.type & 0xff)).toEqual([0x10, 14, 0x11]);
  });

  it("without ignoreMissing, deleting an absent element is an error", () => {
    const { h } = nft();
    expect(() => h.apply([change("delete", "10.0.0.9")])).toThrow(/Cannot delete element 10.0.0.9 from set inet bt1 iv: ENOENT/);
  });

  it("a missing set is an error naming it, before any batch", () => {
    const { kernel, h } = nft();
    expect(() => h.apply([{ ...change("add", "10.0.0.1"), set: "nope" }])).toThrow(/set inet bt1 nope: ENOENT/);
    expect(kernel.datagrams.length).toBe(1);
  });

  it("transact: chains and elements in one batch; ignoreMissing skips a chain or a set already gone", () => {
    const { kernel, h } = nft();
    kernel.knowsDestroy = false;
    const chain = { family: "inet" as const, table: "bt1", name: "c1" };
    h.transact([{ op: "add chain", chain }, change("add", "10.0.0.1")]);
    expect(kernel.chains).toEqual(new Set(["c1"]));
    expect(kernel.datagrams.at(-1)?.map((m) => m.type & 0xff)).toEqual([0x10, 3, 12, 0x11]);
    const gone = { ...chain, name: "gone" };
    h.transact([change("delete", "10.0.0.1", "10.0.0.9"), { ...change("delete", "10.0.0.5"), set: "nope" }, { op: "delete chain", chain: gone }, { op: "delete chain", chain }], { ignoreMissing: true });
    expect(kernel.chains).toEqual(new Set());
    expect(present(kernel)).toEqual([]);
  });

  it("transact: a refused chain change names the chain, carries the errno, and applies nothing", () => {
    const { kernel, h } = nft();
    const chain = { family: "inet" as const, table: "bt1", name: "gone" };
    let err: unknown;
    try {
      h.transact([change("add", "10.0.0.1"), { op: "delete chain", chain }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NftObjectError);
    expect(err).toMatchObject({ code: "ENOENT", errno: 2, change: { op: "delete chain", chain } });
    expect(String(err)).toContain("Cannot delete chain inet bt1 gone: ENOENT");
    expect(present(kernel)).toEqual([]);
  });

  it("close() closes the transport once", () => {
    const { kernel, h } = nft();
    h.close();
    h.close();
    expect(kernel.closed).toBe(true);
  });
});

function entry(flow: ConntrackFlow): Uint8Array {
  const del = encodeConntrackDelete(flow);
  // nfgenmsg, CTA_TUPLE_ORIG, CTA_ID: append the same tuple as CTA_TUPLE_REPLY.
  const origLen = (del[4] ?? 0) | ((del[5] ?? 0) << 8);
  const reply = Uint8Array.from(del.subarray(4, 4 + origLen));
  reply[2] = 2;
  return concatBytes([del, reply]);
}

describe("ConntrackHandle.delete", () => {
  const flow = (id: number, protocol: "udp" | "tcp", dstPort: number): ConntrackFlow => ({
    family: 4,
    protocol,
    orig: { src: "10.0.0.1", dst: "10.0.0.2", srcPort: 40000 + id, dstPort },
    reply: { src: "10.0.0.2", dst: "10.0.0.1", srcPort: dstPort, dstPort: 40000 + id },
    status: 0,
    id,
  });

  it("deletes the matching entries, in one datagram, and counts those it deleted", () => {
    const kernel = new FakeConntrack([flow(1, "udp", 53), flow(2, "udp", 53), flow(3, "tcp", 53), flow(4, "udp", 54)].map(entry));
    const h = new ConntrackHandle(kernel);
    expect(h.delete({ family: 4, protocol: "udp", origDstPort: 53 })).toBe(2);
    expect(kernel.entries.map(FakeConntrack.idOf)).toEqual([3, 4]);
    expect(kernel.datagrams.at(-1)?.length).toBe(2);
  });

  it("does not count, nor fail on, entries that vanished meanwhile", () => {
    const kernel = new FakeConntrack([flow(1, "udp", 53), flow(2, "udp", 53)].map(entry));
    kernel.vanishing.add(2);
    const h = new ConntrackHandle(kernel);
    expect(h.delete({ family: 4, protocol: "udp" })).toBe(1);
    expect(h.delete({ family: 4, protocol: "udp" })).toBe(0);
  });

  it("finds the entries of several filters, of both families, with one dump of every family", () => {
    const v6 = (id: number, dstPort: number): ConntrackFlow => ({
      family: 6,
      protocol: "tcp",
      orig: { src: "fd00::1", dst: "fd00::2", srcPort: 40000 + id, dstPort },
      reply: { src: "fd00::2", dst: "fd00::1", srcPort: dstPort, dstPort: 40000 + id },
      status: 0,
      id,
    });
    const kernel = new FakeConntrack([flow(1, "tcp", 80), v6(2, 80), flow(3, "udp", 80), v6(4, 81)].map(entry));
    const h = new ConntrackHandle(kernel);
    const filters = [{ family: 4, protocol: "tcp", origDstPort: 80 }, { family: 6, protocol: "tcp", origDstPort: 80 }] as const;
    expect(h.deleteAny(filters)).toBe(2);
    expect(kernel.entries.map(FakeConntrack.idOf)).toEqual([3, 4]);
    expect(kernel.dumpFamilies).toEqual([0]);
    h.delete({ family: 4, protocol: "udp" });
    expect(kernel.dumpFamilies).toEqual([0, 2]);
  });

  it("lists decoded entries that match", () => {
    const h = new ConntrackHandle(new FakeConntrack([flow(1, "udp", 53), flow(3, "tcp", 53)].map(entry)));
    expect(h.list({ family: 4, protocol: "tcp" })).toEqual([{ ...flow(3, "tcp", 53), reply: flow(3, "tcp", 53).orig }]);
  });
});

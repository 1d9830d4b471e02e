/**
 * ctnetlink: entries decoded from the kernel's dump, the delete message built by hand from
 * nfnetlink_conntrack.h, and the filter.
 */
import { describe, expect, it } from "vitest";
import { conntrackMatcher, decodeConntrackFlow, encodeConntrackDelete, encodeConntrackDump, type ConntrackFlow } from "./conntrack-wire.ts";
import * as cap from "./testdata/captured.ts";
import { concatBytes } from "../wire/index.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const tcp: ConntrackFlow = {
  family: 4,
  protocol: "tcp",
  orig: { src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1000, dstPort: 53 },
  reply: { src: "10.0.0.2", dst: "10.0.0.1", srcPort: 53, dstPort: 1000 },
  status: 0x8,
  id: 0x18b5010a,
  timeout: 88,
  mark: 0,
};

describe("decodeConntrackFlow", () => {
  it("decodes an IPv4 TCP entry: both tuples, status, id, timeout, mark", () => {
    expect(decodeConntrackFlow(cap.fromHex(cap.CT_TCP_V4))).toEqual(tcp);
  });

  it("decodes an IPv6 UDP entry", () => {
    expect(decodeConntrackFlow(cap.fromHex(cap.CT_UDP_V6))).toEqual({
      family: 6,
      protocol: "udp",
      orig: { src: "fd00::1", dst: "fd00::2", srcPort: 5000, dstPort: 53 },
      reply: { src: "fd00::2", dst: "fd00::1", srcPort: 53, dstPort: 5000 },
      status: 0x8,
      id: 0xef4628b7,
      timeout: 99,
      mark: 7,
    });
  });

  it("refuses an entry without its original tuple", () => {
    expect(() => decodeConntrackFlow(Uint8Array.of(2, 0, 0, 0))).toThrow(/original tuple/);
  });
});

describe("requests", () => {
  it("dumps one family: an nfgenmsg alone", () => {
    expect(hex(encodeConntrackDump(4))).toBe("02000000");
    expect(hex(encodeConntrackDump(6))).toBe("0a000000");
    expect(hex(encodeConntrackDump("all"))).toBe("00000000");
  });

  it("deletes by original tuple and id (hand-built from nfnetlink_conntrack.h)", () => {
    const expected =
      "02000000" + // nfgenmsg: AF_INET, v0, res_id 0
      "34000180" + // CTA_TUPLE_ORIG (nested), 52 bytes
      "14000180" + "08000100" + "0a000001" + "08000200" + "0a000002" + // CTA_TUPLE_IP: V4_SRC, V4_DST
      "1c000280" + "0500010006000000" + "0600020003e80000" + "0600030000350000" + // CTA_TUPLE_PROTO: NUM 6, SRC_PORT 1000, DST_PORT 53 (be16)
      "08000c00" + "18b5010a"; // CTA_ID, big-endian
    expect(hex(encodeConntrackDelete(tcp))).toBe(expected);
  });

  it("keeps the zone of a zoned entry, and round-trips through the decoder's tuple reading", () => {
    const zoned: ConntrackFlow = { ...tcp, zone: 5 };
    expect(hex(encodeConntrackDelete(zoned))).toContain("06001200" + "0005"); // CTA_ZONE be16
    const v6: ConntrackFlow = { family: 6, protocol: "udp", orig: { src: "fd00::1", dst: "fd00::2", srcPort: 5000, dstPort: 53 }, reply: { src: "fd00::2", dst: "fd00::1", srcPort: 53, dstPort: 5000 }, status: 0 };
    const bytes = encodeConntrackDelete(v6);
    // A delete's tuple is laid out as a dump's: the same nest typed CTA_TUPLE_REPLY makes an entry.
    const orig = bytes.subarray(4);
    const reply = Uint8Array.from(orig);
    reply[2] = 2;
    const entry = decodeConntrackFlow(concatBytes([bytes.subarray(0, 4), orig, reply]));
    expect([entry.family, entry.protocol, entry.orig, entry.reply]).toEqual([6, "udp", v6.orig, v6.orig]);
  });
});

describe("conntrackMatcher", () => {
  const udp: ConntrackFlow = { ...tcp, protocol: "udp", orig: { ...tcp.orig, dstPort: 8053 } };
  it("matches every field it is given, and only those", () => {
    expect(conntrackMatcher({ family: 4 })(tcp)).toBe(true);
    expect(conntrackMatcher({ family: 6 })(tcp)).toBe(false);
    expect(conntrackMatcher({ family: 4, protocol: "udp" })(tcp)).toBe(false);
    expect(conntrackMatcher({ family: 4, protocol: "udp", origDstPort: 8053 })(udp)).toBe(true);
    expect(conntrackMatcher({ family: 4, protocol: "udp", origDstPort: 53 })(udp)).toBe(false);
    expect(conntrackMatcher({ family: 4, origDst: "10.0.0.2", replySrc: "10.0.0.2", replySrcPort: 53, origSrc: "10.0.0.1", origSrcPort: 1000 })(tcp)).toBe(true);
    expect(conntrackMatcher({ family: 4, replySrc: "10.0.0.9" })(tcp)).toBe(false);
  });

  it("compares addresses by value, not spelling", () => {
    const v6: ConntrackFlow = { ...tcp, family: 6, orig: { ...tcp.orig, dst: "fd00::2" } };
    expect(conntrackMatcher({ family: 6, origDst: "fd00:0::0002" })(v6)).toBe(true);
  });
});

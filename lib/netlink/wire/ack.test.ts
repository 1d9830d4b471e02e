import { describe, expect, it } from "vitest";
import { parseDone, parseError } from "./ack.ts";
import { attr, encodeAttrs } from "./attr.ts";
import {
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  RTM_NEWLINK,
  RTM_NEWROUTE,
} from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";
import { concatBytes, encodeMessage, splitMessages, type NetlinkMessage } from "./message.ts";
import { BAD_MTU_ERROR, LINK_DUMP_REFUSED_DONE, LO_UP_ACK, ROUTE_UNREACHABLE_ERROR, fromHex } from "./testdata/kernel.ts";

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function only(datagram: Uint8Array): NetlinkMessage {
  const msgs = splitMessages(datagram);
  expect(msgs).toHaveLength(1);
  return msgs[0] as NetlinkMessage;
}

/** The request a hand-built error echoes: RTM_NEWLINK seq 9 with an 8-byte body. */
const REQUEST = encodeMessage({ type: RTM_NEWLINK, flags: 0x605, seq: 9, pid: 0 }, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));

describe("NLMSG_ERROR", () => {
  it("reads an ack: error 0, the echoed header only (capped)", () => {
    const payload = concatBytes([int32(0), REQUEST.subarray(0, 16)]);
    const e = parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: 9, pid: 42 }, payload)));
    expect(e.errno).toBe(0);
    expect(e.request).toEqual({ len: 24, type: RTM_NEWLINK, flags: 0x605, seq: 9, pid: 0 });
    expect(e.requestBody).toBeUndefined();
    expect(e.extack).toEqual({});
  });

  it("reads an error that echoes the whole request, then TLVs after it", () => {
    const tlvs = encodeAttrs([attr.str(NLMSGERR_ATTR_MSG, "Unknown device type"), attr.u32(NLMSGERR_ATTR_OFFS, 20)]);
    const payload = concatBytes([int32(-95), REQUEST, tlvs]);
    const e = parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 9, pid: 42 }, payload)));
    expect(e.errno).toBe(95);
    expect(Array.from(e.requestBody ?? [])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(e.extack).toEqual({ message: "Unknown device type", offset: 20 });
  });

  it("reads TLVs right after the header when the error is capped", () => {
    const tlvs = encodeAttrs([attr.u32(NLMSGERR_ATTR_MISS_TYPE, 3)]);
    const payload = concatBytes([int32(-22), REQUEST.subarray(0, 16), tlvs]);
    const e = parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 9 }, payload)));
    expect(e).toMatchObject({ errno: 22, extack: { missingType: 3 } });
  });

  it("ignores trailing bytes when NLM_F_ACK_TLVS is not set", () => {
    const payload = concatBytes([int32(-17), REQUEST, Uint8Array.of(0xff, 0xff, 0xff, 0xff)]);
    expect(parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 9 }, payload))).extack).toEqual({});
  });

  it("rejects an error too short for its int and header, or whose echo runs past the end", () => {
    expect(() => parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 1 }, int32(-1))))).toThrow(NetlinkParseError);
    const cut = concatBytes([int32(-17), REQUEST.subarray(0, 20)]);
    expect(() => parseError(only(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 1 }, cut)))).toThrow(/echoed request of 24 bytes/);
  });

  it("decodes the kernel's ENETUNREACH with extack, captured", () => {
    const e = parseError(only(fromHex(ROUTE_UNREACHABLE_ERROR)));
    expect(e.errno).toBe(101);
    expect(e.request).toMatchObject({ type: RTM_NEWROUTE, seq: 2, len: 44 });
    expect(e.requestBody?.length).toBe(28);
    expect(e.extack.message).toBe("Nexthop has invalid gateway");
  });

  it("decodes the kernel's policy error with message and offset, captured", () => {
    const e = parseError(only(fromHex(BAD_MTU_ERROR)));
    expect(e.errno).toBe(34);
    expect(e.extack).toEqual({ message: "Attribute failed policy validation", offset: 32 });
  });

  it("decodes the kernel's capped ack, captured", () => {
    const msg = only(fromHex(LO_UP_ACK));
    expect(msg.flags & NLM_F_CAPPED).toBe(NLM_F_CAPPED);
    expect(parseError(msg)).toMatchObject({ errno: 0, request: { type: RTM_NEWLINK, seq: 4 } });
  });
});

describe("NLMSG_DONE", () => {
  it("reads a clean end of dump", () => {
    expect(parseDone(only(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 3 }, int32(0))))).toEqual({ errno: 0, extack: {} });
  });

  it("reads a dump's error and its TLVs", () => {
    const payload = concatBytes([int32(-16), encodeAttrs([attr.str(NLMSGERR_ATTR_MSG, "busy")])]);
    const d = parseDone(only(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI | NLM_F_ACK_TLVS, seq: 3 }, payload)));
    expect(d).toEqual({ errno: 16, extack: { message: "busy" } });
  });

  it("rejects a DONE without its int", () => {
    expect(() => parseDone(only(encodeMessage({ type: NLMSG_DONE, flags: 0, seq: 3 }, new Uint8Array(0))))).toThrow(NetlinkParseError);
  });

  it("decodes the kernel's refusal of a filtered link dump, captured", () => {
    const d = parseDone(only(fromHex(LINK_DUMP_REFUSED_DONE)));
    expect(d).toEqual({ errno: 22, extack: { message: "Filter by device index not supported for link dumps" } });
  });
});

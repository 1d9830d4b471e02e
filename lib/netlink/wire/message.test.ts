import { describe, expect, it } from "vitest";
import { attr, encodeAttrs } from "./attr.ts";
import {
  AF_INET,
  AF_INET6,
  IFF_UP,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_MTU,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NUD_PERMANENT,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTN_UNICAST,
  RT_SCOPE_LINK,
  RT_TABLE_MAIN,
} from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";
import { concatBytes, decodeHeader, encodeMessage, splitMessages } from "./message.ts";
import {
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  decodeNdMsg,
  decodeRtMsg,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeNdMsg,
  encodeRtMsg,
} from "./structs.ts";
import { GETLINK_LO_REQUEST, NEWLINK_LO_REPLY, fromHex } from "./testdata/kernel.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

describe("nlmsghdr", () => {
  it("encodes len, type, flags, seq and pid in host order, then the payload", () => {
    const msg = encodeMessage({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq: 7 }, Uint8Array.of(1, 2, 3, 4));
    expect(hex(msg)).toBe("14000000" + "1000" + "0506" + "07000000" + "00000000" + "01020304");
  });

  it("pads a payload that is not a multiple of 4, and counts only the real length", () => {
    const msg = encodeMessage({ type: 0x10, flags: 0, seq: 1 }, Uint8Array.of(9));
    expect(msg.length).toBe(20);
    expect(decodeHeader(msg).len).toBe(17);
  });

  it("builds the same bytes as the request we captured going to the kernel", () => {
    const body = concatBytes([
      encodeIfInfoMsg({}),
      encodeAttrs([attr.str(IFLA_IFNAME, "lo"), attr.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)]),
    ]);
    expect(hex(encodeMessage({ type: RTM_GETLINK, flags: NLM_F_REQUEST, seq: 1 }, body))).toBe(GETLINK_LO_REQUEST);
  });

  it("splits a datagram holding several messages", () => {
    const a = encodeMessage({ type: 16, flags: 2, seq: 5, pid: 99 }, Uint8Array.of(1, 2, 3));
    const b = encodeMessage({ type: 3, flags: 2, seq: 5, pid: 99 }, Uint8Array.of(0, 0, 0, 0));
    const msgs = splitMessages(concatBytes([a, b]));
    expect(msgs.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.length])).toEqual([
      [16, 2, 5, 99, 3],
      [3, 2, 5, 99, 4],
    ]);
  });

  it("accepts a last message without its padding", () => {
    const msg = encodeMessage({ type: 16, flags: 0, seq: 1 }, Uint8Array.of(1));
    expect(splitMessages(msg.subarray(0, 17))).toHaveLength(1);
  });

  it("rejects truncated and malformed messages", () => {
    expect(() => splitMessages(bytes("1400000010000000"))).toThrow(/Truncated netlink header/);
    expect(() => splitMessages(bytes("08000000 1000 0000 01000000 00000000"))).toThrow(/below 16/);
    expect(() => splitMessages(bytes("20000000 1000 0000 01000000 00000000"))).toThrow(/nlmsg_len 32 but 16 bytes left/);
    const good = encodeMessage({ type: 16, flags: 0, seq: 1 }, new Uint8Array(4));
    expect(() => splitMessages(concatBytes([good, Uint8Array.of(1, 2)]))).toThrow(NetlinkParseError);
  });
});

describe("fixed headers", () => {
  it("ifinfomsg: family, pad, type, index, flags, change", () => {
    const b = encodeIfInfoMsg({ family: 0, type: 1, index: 3, flags: IFF_UP, change: IFF_UP });
    expect(hex(b)).toBe("00" + "00" + "0100" + "03000000" + "01000000" + "01000000");
    const { header, attrs } = decodeIfInfoMsg(concatBytes([b, encodeAttrs([attr.u32(IFLA_MTU, 9000)])]));
    expect(header).toEqual({ family: 0, type: 1, index: 3, flags: 1, change: 1 });
    expect(attrs.u32(IFLA_MTU)).toBe(9000);
  });

  it("ifaddrmsg: family, prefixlen, flags (low byte), scope, index", () => {
    const b = encodeIfAddrMsg({ family: AF_INET6, prefixLen: 64, flags: 0x202, scope: RT_SCOPE_LINK, index: 258 });
    expect(hex(b)).toBe("0a" + "40" + "02" + "fd" + "02010000");
    expect(decodeIfAddrMsg(b).header).toEqual({ family: AF_INET6, prefixLen: 64, flags: 2, scope: 253, index: 258 });
  });

  it("rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags", () => {
    const b = encodeRtMsg({ family: AF_INET, dstLen: 16, table: RT_TABLE_MAIN, protocol: 3, scope: 0, type: RTN_UNICAST, flags: 4 });
    expect(hex(b)).toBe("02100000" + "fe030001" + "04000000");
    expect(decodeRtMsg(b).header).toEqual({ family: 2, dstLen: 16, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 4 });
  });

  it("ndmsg: family, pad1, pad2, ifindex, state, flags, type", () => {
    const b = encodeNdMsg({ family: AF_INET, index: 5, state: NUD_PERMANENT, flags: 0x80, type: 1 });
    expect(hex(b)).toBe("02" + "00" + "0000" + "05000000" + "8000" + "80" + "01");
    expect(decodeNdMsg(b).header).toEqual({ family: 2, index: 5, state: 0x80, flags: 0x80, type: 1 });
  });

  it("rejects a payload shorter than its fixed header", () => {
    expect(() => decodeIfInfoMsg(new Uint8Array(15))).toThrow(/Truncated ifinfomsg/);
    expect(() => decodeIfAddrMsg(new Uint8Array(7))).toThrow(/Truncated ifaddrmsg/);
    expect(() => decodeRtMsg(new Uint8Array(11))).toThrow(/Truncated rtmsg/);
    expect(() => decodeNdMsg(new Uint8Array(3))).toThrow(/Truncated ndmsg/);
  });

  it("decodes the kernel's RTM_NEWLINK for lo, captured", () => {
    const [msg, ...rest] = splitMessages(fromHex(NEWLINK_LO_REPLY));
    expect(rest).toHaveLength(0);
    expect(msg).toMatchObject({ type: RTM_NEWLINK, seq: 1, pid: 9541 });
    const { header, attrs } = decodeIfInfoMsg(msg?.payload ?? new Uint8Array());
    expect(header).toMatchObject({ family: 0, type: 772, index: 1, flags: 8 /* IFF_LOOPBACK, down */ });
    expect(attrs.str(IFLA_IFNAME)).toBe("lo");
    expect(attrs.u32(IFLA_MTU)).toBe(65536);
    // Every attribute of the real message parses, including the nested ones the kernel flags.
    expect(attrs.list.length).toBeGreaterThan(30);
    for (const a of attrs.list.filter((x) => x.nested)) expect(() => attrs.nested(a.type)).not.toThrow();
  });
});

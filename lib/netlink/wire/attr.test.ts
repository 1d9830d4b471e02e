import { describe, expect, it } from "vitest";
import { AttrSet, attr, attrLength, encodeAttrs, isNest, nlaAlign, parseAttrs, type Attr } from "./attr.ts";
import {
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
} from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

/** A small deterministic PRNG (xorshift32), so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function randomTree(rand: () => number, depth: number): Attr[] {
  const n = Math.floor(rand() * 5);
  const out: Attr[] = [];
  for (let i = 0; i < n; i++) {
    const type = Math.floor(rand() * 0x3fff);
    if (depth > 0 && rand() < 0.3) {
      out.push(attr.nest(type, randomTree(rand, depth - 1)));
    } else {
      const data = Uint8Array.from({ length: Math.floor(rand() * 14) }, () => Math.floor(rand() * 256));
      out.push({ type, flags: rand() < 0.2 ? NLA_F_NET_BYTEORDER : 0, data });
    }
  }
  return out;
}

/**
 * The reference encoder: deliberately naive (an array of numbers, pushed byte by byte,
 * recursion for nests), written from the struct nlattr layout and nothing else.
 */
function naiveEncode(attrs: readonly Attr[]): number[] {
  const out: number[] = [];
  for (const a of attrs) {
    const payload = isNest(a) ? naiveEncode(a.children) : Array.from(a.data);
    const len = 4 + payload.length;
    const type = a.type | a.flags;
    out.push(len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload);
    while (out.length % 4 !== 0) out.push(0);
  }
  return out;
}

type Node = { type: number; flags: number; data: string } | { type: number; flags: number; children: Node[] };

/** Decode a whole tree, descending into attributes flagged NLA_F_NESTED. */
function decodeTree(buf: Uint8Array): Node[] {
  return parseAttrs(buf).map((a) => {
    const flags = (a.nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
    return a.nested ? { type: a.type, flags, children: decodeTree(a.data) } : { type: a.type, flags, data: hex(a.data) };
  });
}

function toNodes(attrs: readonly Attr[]): Node[] {
  return attrs.map((a) =>
    isNest(a) ? { type: a.type, flags: a.flags, children: toNodes(a.children) } : { type: a.type, flags: a.flags, data: hex(a.data) },
  );
}

describe("attribute encoding", () => {
  it("lays out a u32 as struct nlattr + payload, host order", () => {
    // nla_len 8, nla_type 4 (IFLA_MTU), 1500 little-endian
    expect(hex(encodeAttrs([attr.u32(IFLA_MTU, 1500)]))).toBe("08000400dc050000");
  });

  it("NUL-terminates strings and pads to 4 bytes without counting the padding in nla_len", () => {
    // "lo\0" → nla_len 7, padded to 8
    expect(hex(encodeAttrs([attr.str(IFLA_IFNAME, "lo")]))).toBe("070003006c6f0000");
    // "veth0\0" → nla_len 10, padded to 12
    expect(hex(encodeAttrs([attr.str(IFLA_IFNAME, "veth0")]))).toBe("0a0003007665746830000000");
  });

  it("flags nests with NLA_F_NESTED and counts children's padding in the nest's length", () => {
    const linkinfo = attr.nest(IFLA_LINKINFO, [attr.str(IFLA_INFO_KIND, "veth"), attr.nest(IFLA_INFO_DATA, [])]);
    // outer: len 4 + 12 + 4 = 20, type 0x8012; kind: len 9 ("veth\0"), padded to 12; data: empty nest, len 4, type 0x8002
    expect(hex(encodeAttrs([linkinfo]))).toBe("14001280" + "0900010076657468000000" + "00" + "04000280");
    expect(attrLength(linkinfo)).toBe(20);
  });

  it("puts a struct before the children of a struct-prefixed nest, without NLA_F_NESTED", () => {
    const header = Uint8Array.of(1, 2, 3, 4, 5); // padded to 8
    const a = attr.structNest(1, header, [attr.u8(2, 0xaa)]);
    expect(hex(encodeAttrs([a]))).toBe("1400" + "0100" + "0102030405000000" + "05000200aa000000");
  });

  it("writes 16-bit network-order values big-endian", () => {
    expect(hex(encodeAttrs([attr.be16(15, 4789)]))).toBe("06000f0012b50000");
    expect(AttrSet.parse(encodeAttrs([attr.be16(15, 4789)])).be16(15)).toBe(4789);
  });

  it("refuses values that do not fit their type", () => {
    expect(() => attr.u8(1, 256)).toThrow(RangeError);
    expect(() => attr.u16(1, -1)).toThrow(RangeError);
    expect(() => attr.u32(1, 2 ** 32)).toThrow(RangeError);
    expect(() => attr.u32(1, 1.5)).toThrow(RangeError);
    expect(() => attr.s32(1, 2 ** 31)).toThrow(RangeError);
    expect(() => attr.u64(1, -1n)).toThrow(RangeError);
    expect(() => attr.u32(0x4000, 1)).toThrow(/outside/);
    expect(() => attr.str(1, "a\0b")).toThrow(/NUL/);
  });

  it("pads every payload length from 0 to 8 to the next multiple of 4", () => {
    for (let n = 0; n <= 8; n++) {
      const enc = encodeAttrs([attr.bytes(7, new Uint8Array(n).fill(0xee)), attr.u8(8, 1)]);
      expect(enc.length).toBe(nlaAlign(4 + n) + 8);
      const parsed = parseAttrs(enc);
      expect(parsed.map((a) => [a.type, a.data.length])).toEqual([[7, n], [8, 1]]);
      // padding bytes are zero
      expect(Array.from(enc.subarray(4 + n, nlaAlign(4 + n)))).toEqual(new Array(nlaAlign(4 + n) - 4 - n).fill(0));
    }
  });
});

describe("attribute parsing", () => {
  it("masks NLA_F_NESTED and NLA_F_NET_BYTEORDER off the type and reports them", () => {
    const [a, b] = parseAttrs(bytes("08001280 01000000 06000f40 12b50000"));
    expect(a).toMatchObject({ type: IFLA_LINKINFO, nested: true, netByteOrder: false });
    expect(b).toMatchObject({ type: 15, nested: false, netByteOrder: true });
  });

  it("accepts a last attribute whose padding is missing from the buffer", () => {
    const parsed = parseAttrs(bytes("05000100aa"));
    expect(parsed).toHaveLength(1);
    expect(Array.from(parsed[0]?.data ?? [])).toEqual([0xaa]);
  });

  it("accepts a zero-length (flag) attribute and an empty buffer", () => {
    expect(parseAttrs(new Uint8Array(0))).toEqual([]);
    const set = AttrSet.parse(bytes("04000900"));
    expect(set.has(9)).toBe(true);
    expect(set.get(9)?.length).toBe(0);
  });

  it("rejects a header cut short", () => {
    expect(() => parseAttrs(bytes("08000400dc050000 0800"))).toThrow(NetlinkParseError);
    expect(() => parseAttrs(bytes("080004"))).toThrow(/Truncated attribute/);
  });

  it("rejects an nla_len below the header size", () => {
    expect(() => parseAttrs(bytes("02000100"))).toThrow(/below 4/);
    expect(() => parseAttrs(bytes("00000100 00000000"))).toThrow(NetlinkParseError);
  });

  it("rejects an nla_len that runs past the buffer, also inside a nest", () => {
    expect(() => parseAttrs(bytes("0c000400dc050000"))).toThrow(/nla_len 12 but 8 bytes left/);
    // The nest (nla_len 10) fits its buffer, but its child claims 8 bytes and has only 6.
    const outer = AttrSet.parse(bytes("0a001280 08000100 6c6f"));
    expect(() => outer.nested(IFLA_LINKINFO)).toThrow(NetlinkParseError);
  });

  it("reads typed values and refuses payloads too short for them", () => {
    const set = AttrSet.parse(
      encodeAttrs([
        attr.u8(1, 0xfe),
        attr.u16(2, 0xbeef),
        attr.u32(3, 0xdeadbeef),
        attr.s32(4, -5),
        attr.u64(5, 0x0102030405060708n),
        attr.str(6, "bridge"),
        attr.ip(7, { family: 4, value: 0x0a000002n }),
        attr.ip(8, { family: 6, value: 0xfe80n << 112n | 1n }),
        attr.mac(9, Uint8Array.of(0x02, 0, 0, 0xab, 0xcd, 0xef)),
        attr.bytes(10, Uint8Array.of(1, 2)),
      ]),
    );
    expect(set.u8(1)).toBe(0xfe);
    expect(set.u16(2)).toBe(0xbeef);
    expect(set.u32(3)).toBe(0xdeadbeef);
    expect(set.s32(4)).toBe(-5);
    expect(set.u64(5)).toBe(0x0102030405060708n);
    expect(set.str(6)).toBe("bridge");
    expect(set.ipText(7)).toBe("10.0.0.2");
    expect(set.ipText(8)).toBe("fe80::1");
    expect(set.mac(9)).toBe("02:00:00:ab:cd:ef");
    expect(set.u32(99)).toBeUndefined();
    expect(() => set.u32(10)).toThrow(/too short for a u32/);
    expect(() => set.ip(10)).toThrow(/4 or 16 bytes/);
  });

  it("reads a string without a NUL up to the end, and stops at the first NUL", () => {
    expect(AttrSet.parse(bytes("06000100 6c6f0000")).str(1)).toBe("lo");
    expect(AttrSet.parse(bytes("07000100 6c6f0078")).str(1)).toBe("lo");
  });

  it("lets the last of repeated attributes win, and lists them all", () => {
    const set = AttrSet.parse(encodeAttrs([attr.u32(3, 1), attr.u32(3, 2)]));
    expect(set.u32(3)).toBe(2);
    expect(set.all(3).length).toBe(2);
  });
});

describe("attribute round trips", () => {
  it("random trees survive encode → decode, and match the naive reference encoder byte for byte", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rand = prng(seed);
      const tree = randomTree(rand, 3);
      const enc = encodeAttrs(tree);
      expect(hex(enc), `seed ${seed}`).toBe(hex(Uint8Array.from(naiveEncode(tree))));
      expect(decodeTree(enc), `seed ${seed}`).toEqual(toNodes(tree));
    }
  });

  it("random bytes either parse into attributes that tile the buffer, or fail with NetlinkParseError", () => {
    let parsed = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const rand = prng(seed);
      // Mostly plausible lengths so that both outcomes happen often.
      const buf = new Uint8Array(Math.floor(rand() * 40));
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
      for (let pos = 0; pos + 4 <= buf.length; ) {
        const len = 4 + Math.floor(rand() * 12);
        buf[pos] = len;
        buf[pos + 1] = rand() < 0.9 ? 0 : buf[pos + 1] ?? 0;
        pos += nlaAlign(len);
      }
      let attrs;
      try {
        attrs = parseAttrs(buf);
      } catch (err) {
        expect(err, `seed ${seed}`).toBeInstanceOf(NetlinkParseError);
        continue;
      }
      parsed++;
      let pos = 0;
      for (const a of attrs) {
        expect(a.data.byteOffset - buf.byteOffset, `seed ${seed}`).toBe(pos + 4);
        pos = Math.min(pos + nlaAlign(4 + a.data.length), buf.length);
      }
      expect(pos, `seed ${seed}`).toBe(buf.length);
    }
    expect(parsed).toBeGreaterThan(200);
  });
});

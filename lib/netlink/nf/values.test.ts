/**
 * nft's register layout for keys and data: each field type's bytes, padding in
 * concatenations, and decode(encode(x)) round trips.
 */
import { describe, expect, it } from "vitest";
import { NftValueError, decodeNftValue, encodeNftValue, formatNftValue, nftValueLength, type NftField, type NftFieldType } from "./values.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("encodeNftValue, one field", () => {
  const cases: [NftField, string][] = [
    [{ type: "ipv4_addr", value: "10.1.2.3" }, "0a010203"],
    [{ type: "ipv6_addr", value: "fd00::1" }, "fd000000000000000000000000000001"],
    [{ type: "inet_service", value: 8080 }, "1f90"],
    [{ type: "inet_proto", value: "tcp" }, "06"],
    [{ type: "inet_proto", value: "udp" }, "11"],
    [{ type: "inet_proto", value: "sctp" }, "84"],
    [{ type: "inet_proto", value: 47 }, "2f"],
    [{ type: "ifname", value: "veth0" }, "76657468300000000000000000000000"],
    [{ type: "mark", value: 0x01020304 }, "04030201"],
    [{ type: "ether_addr", value: "02:42:AC:11:00:02" }, "0242ac110002"],
  ];
  for (const [field, bytes] of cases) {
    it(`encodes ${field.type} ${String(field.value)} unpadded, as the set's key length`, () => {
      expect(hex(encodeNftValue([field]))).toBe(bytes);
    });
  }
});

describe("encodeNftValue, concatenations", () => {
  it("pads each field to 4 bytes: inet_proto . ipv4_addr . inet_service (as nft sent it)", () => {
    const key: NftField[] = [
      { type: "inet_proto", value: "tcp" },
      { type: "ipv4_addr", value: "10.0.0.1" },
      { type: "inet_service", value: 8080 },
    ];
    expect(hex(encodeNftValue(key))).toBe("060000000a0000011f900000");
  });

  it("ipv4_addr . inet_service data is 8 bytes (172.17.0.2 . 80 as nft sent it)", () => {
    expect(hex(encodeNftValue([{ type: "ipv4_addr", value: "172.17.0.2" }, { type: "inet_service", value: 80 }]))).toBe("ac11000200500000");
  });

  it("keeps 16-byte fields whole and pads a MAC to 8", () => {
    const v = encodeNftValue([
      { type: "ifname", value: "br0" },
      { type: "ether_addr", value: "aa:bb:cc:dd:ee:ff" },
      { type: "ipv6_addr", value: "::1" },
    ]);
    expect(v.length).toBe(16 + 8 + 16);
    expect(hex(v.subarray(16, 24))).toBe("aabbccddeeff0000");
    expect(nftValueLength(["ifname", "ether_addr", "ipv6_addr"])).toBe(40);
  });
});

describe("decodeNftValue", () => {
  const samples: NftField[][] = [
    [{ type: "ipv4_addr", value: "192.168.1.254" }],
    [{ type: "ipv6_addr", value: "2001:db8::42" }],
    [{ type: "inet_service", value: 65535 }],
    [{ type: "inet_proto", value: "udp" }],
    [{ type: "inet_proto", value: 250 }],
    [{ type: "ifname", value: "a-very-long-nam" }],
    [{ type: "mark", value: 0xffff_fffe }],
    [{ type: "ether_addr", value: "02:00:00:00:00:01" }],
    [
      { type: "inet_proto", value: "sctp" },
      { type: "ipv6_addr", value: "fd00::2" },
      { type: "inet_service", value: 443 },
    ],
    [
      { type: "ifname", value: "eth0" },
      { type: "mark", value: 7 },
    ],
  ];
  for (const fields of samples) {
    it(`round-trips ${formatNftValue(fields)}`, () => {
      const types = fields.map((f) => f.type);
      expect(decodeNftValue(encodeNftValue(fields), types)).toEqual(fields);
    });
  }

  it("refuses bytes of the wrong length for the types", () => {
    expect(() => decodeNftValue(Uint8Array.of(6, 0, 0, 0, 10, 0, 0, 1, 0x1f, 0x90), ["inet_proto", "ipv4_addr", "inet_service"])).toThrow(/12 bytes, not 10/);
  });
});

describe("invalid values", () => {
  const bad: [NftField, RegExp][] = [
    [{ type: "ipv4_addr", value: "fd00::1" }, /not an IPv4 address/],
    [{ type: "ipv6_addr", value: "10.0.0.1" }, /not an IPv6 address/],
    [{ type: "ipv4_addr", value: "10.0.0" }, /Invalid ipv4_addr/],
    [{ type: "inet_service", value: 65536 }, /0\.\.65535/],
    [{ type: "inet_service", value: 1.5 }, /0\.\.65535/],
    [{ type: "inet_proto", value: 256 }, /0\.\.255/],
    [{ type: "ifname", value: "sixteen-chars-xx" }, /1 to 15 bytes/],
    [{ type: "ifname", value: "" }, /1 to 15 bytes/],
    [{ type: "ether_addr", value: "aa:bb" }, /Invalid ether_addr/],
  ];
  for (const [field, message] of bad) {
    it(`refuses ${field.type} ${JSON.stringify(field.value)}`, () => {
      expect(() => encodeNftValue([field])).toThrow(NftValueError);
      expect(() => encodeNftValue([field])).toThrow(message);
    });
  }

  it("refuses an empty value", () => {
    expect(() => encodeNftValue([])).toThrow(/at least one field/);
  });

  it("every field type has a decoder for its own bytes", () => {
    const types: NftFieldType[] = ["ipv4_addr", "ipv6_addr", "inet_service", "inet_proto", "ifname", "mark", "ether_addr"];
    for (const t of types) expect(decodeNftValue(new Uint8Array(nftValueLength([t])), [t])[0]?.type).toBe(t);
  });
});

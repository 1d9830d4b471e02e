import { describe, expect, it } from "vitest";
import {
  IpParseError,
  addToIp,
  compareIp,
  formatIp,
  ipEquals,
  ipFromValue,
  isIpv4Mapped,
  mapIpv4,
  nextIp,
  parseIp,
  prevIp,
  tryParseIp,
  unmapIp,
} from "./address.ts";

const canon = (text: string): string => formatIp(parseIp(text));

describe("parseIp / formatIp, IPv4", () => {
  it("round-trips dotted decimal", () => {
    for (const t of ["0.0.0.0", "10.1.2.3", "255.255.255.255", "192.168.0.1"]) expect(canon(t)).toBe(t);
    expect(parseIp("10.0.0.1")).toEqual({ family: 4, value: 0x0a000001n });
  });

  it("rejects leading zeros, short forms, out-of-range parts and junk", () => {
    for (const t of ["010.1.1.1", "10.01.1.1", "1.2.3.00", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "0x1.2.3.4", "", "1.2.3.4/24"]) {
      expect(() => parseIp(t), t).toThrow(IpParseError);
    }
    expect(() => parseIp("010.1.1.1")).toThrow(/leading zeros/);
  });

  it("tryParseIp returns undefined on bad input", () => {
    expect(tryParseIp("nope")).toBeUndefined();
    expect(tryParseIp("1.2.3.4")).toBeDefined();
  });
});

describe("parseIp / formatIp, IPv6", () => {
  it("formats per RFC 5952", () => {
    const cases: [string, string][] = [
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // longest run wins
      ["0:0:0:0:0:0:0:0", "::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["1:0:0:0:0:0:0:0", "1::"],
      ["fe80::", "fe80::"],
      ["FD00::ABCD", "fd00::abcd"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
      ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
      ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ];
    for (const [input, want] of cases) expect(canon(input), input).toBe(want);
  });

  it("accepts an embedded IPv4 tail and keeps IPv4-mapped addresses IPv6", () => {
    const mapped = parseIp("::ffff:10.1.2.3");
    expect(mapped.family).toBe(6);
    expect(isIpv4Mapped(mapped)).toBe(true);
    expect(formatIp(mapped)).toBe("::ffff:10.1.2.3");
    expect(canon("::FFFF:0a01:0203")).toBe("::ffff:10.1.2.3");
    expect(unmapIp(mapped)).toEqual(parseIp("10.1.2.3"));
    expect(mapIpv4(parseIp("10.1.2.3"))).toEqual(mapped);
    expect(unmapIp(parseIp("2001:db8::1"))).toEqual(parseIp("2001:db8::1"));
    expect(canon("64:ff9b::192.0.2.33")).toBe("64:ff9b::c000:221");
    expect(canon("1:2:3:4:5:6:1.2.3.4")).toBe("1:2:3:4:5:6:102:304");
  });

  it("rejects zone ids, bad groups and bad shapes", () => {
    for (const t of ["fe80::1%eth0", "fe80::1%1", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1", "1.2.3.4::", "::1.2.3.04", "::1.2.3.4:5", "1::2:3:4:5:6:7:8", ":::", "::ffff:256.1.1.1"]) {
      expect(() => parseIp(t), t).toThrow(IpParseError);
    }
    expect(() => parseIp("fe80::1%eth0")).toThrow(/zone ids/);
  });
});

describe("arithmetic and comparison", () => {
  it("steps across octet and group boundaries", () => {
    expect(formatIp(nextIp(parseIp("10.0.0.255"))!)).toBe("10.0.1.0");
    expect(formatIp(prevIp(parseIp("10.0.1.0"))!)).toBe("10.0.0.255");
    expect(formatIp(nextIp(parseIp("fd00::ffff"))!)).toBe("fd00::1:0");
    expect(formatIp(addToIp(parseIp("10.0.0.0"), 300)!)).toBe("10.0.1.44");
    expect(formatIp(addToIp(parseIp("10.0.1.44"), -300n)!)).toBe("10.0.0.0");
  });

  it("returns undefined at the edges of the address space", () => {
    expect(nextIp(parseIp("255.255.255.255"))).toBeUndefined();
    expect(prevIp(parseIp("0.0.0.0"))).toBeUndefined();
    expect(nextIp(parseIp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).toBeUndefined();
    expect(prevIp(parseIp("::"))).toBeUndefined();
  });

  it("orders IPv4 before IPv6 and by value", () => {
    const sorted = ["fd00::1", "10.0.0.2", "::ffff:1.1.1.1", "10.0.0.10", "1.1.1.1"].map(parseIp).sort(compareIp).map(formatIp);
    expect(sorted).toEqual(["1.1.1.1", "10.0.0.2", "10.0.0.10", "::ffff:1.1.1.1", "fd00::1"]);
    expect(ipEquals(parseIp("::ffff:1.1.1.1"), parseIp("1.1.1.1"))).toBe(false);
    expect(ipEquals(parseIp("fd00::1"), parseIp("FD00:0::1"))).toBe(true);
  });

  it("ipFromValue checks the range", () => {
    expect(formatIp(ipFromValue(4, 0x7f000001n))).toBe("127.0.0.1");
    expect(() => ipFromValue(4, 1n << 32n)).toThrow(RangeError);
    expect(() => ipFromValue(6, -1n)).toThrow(RangeError);
  });
});

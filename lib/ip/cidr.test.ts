import { describe, expect, it } from "vitest";
import { formatIp, parseIp } from "./address.ts";
import {
  broadcastAddress,
  cidrContains,
  cidrNetwork,
  cidrsOverlap,
  firstHost,
  formatCidr,
  isNetworkCidr,
  lastAddress,
  lastHost,
  makeCidr,
  networkAddress,
  parseCidr,
  prefixSize,
  tryParseCidr,
} from "./cidr.ts";

const f = (ip: { family: 4 | 6; value: bigint } | undefined): string | undefined => (ip ? formatIp(ip) : undefined);

describe("parseCidr", () => {
  it("keeps the host address and derives the network", () => {
    const c = parseCidr("10.1.2.3/24");
    expect(formatCidr(c)).toBe("10.1.2.3/24");
    expect(f(networkAddress(c))).toBe("10.1.2.0");
    expect(formatCidr(cidrNetwork(c))).toBe("10.1.2.0/24");
    expect(isNetworkCidr(c)).toBe(false);
    expect(isNetworkCidr(parseCidr("10.1.2.0/24"))).toBe(true);
    expect(formatCidr(parseCidr("2001:DB8:0::1/64"))).toBe("2001:db8::1/64");
  });

  it("rejects bad prefixes and addresses", () => {
    for (const t of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/024", "10.0.0.0/", "fd00::/129", "010.0.0.0/8", "fe80::%eth0/64", "10.0.0.0/8/8", "10.0.0.0/ 8"]) {
      expect(() => parseCidr(t), t).toThrow(TypeError);
    }
    expect(tryParseCidr("x")).toBeUndefined();
    expect(() => parseCidr("010.0.0.0/8")).toThrow(/leading zeros/);
    expect(() => makeCidr(parseIp("10.0.0.0"), 33)).toThrow(RangeError);
  });
});

describe("hosts, broadcast and size", () => {
  it("handles an ordinary IPv4 /24", () => {
    const c = parseCidr("192.168.1.77/24");
    expect(f(firstHost(c))).toBe("192.168.1.1");
    expect(f(lastHost(c))).toBe("192.168.1.254");
    expect(f(broadcastAddress(c))).toBe("192.168.1.255");
    expect(f(lastAddress(c))).toBe("192.168.1.255");
    expect(prefixSize(c)).toBe(256n);
  });

  it("handles IPv4 /30, /31 and /32", () => {
    const c30 = parseCidr("10.0.0.4/30");
    expect([f(firstHost(c30)), f(lastHost(c30)), f(broadcastAddress(c30))]).toEqual(["10.0.0.5", "10.0.0.6", "10.0.0.7"]);
    const c31 = parseCidr("10.0.0.5/31");
    expect([f(firstHost(c31)), f(lastHost(c31)), f(broadcastAddress(c31))]).toEqual(["10.0.0.4", "10.0.0.5", undefined]);
    const c32 = parseCidr("10.0.0.5/32");
    expect([f(firstHost(c32)), f(lastHost(c32)), f(broadcastAddress(c32))]).toEqual(["10.0.0.5", "10.0.0.5", undefined]);
    expect(prefixSize(c31)).toBe(2n);
    expect(prefixSize(c32)).toBe(1n);
    const all = parseCidr("0.0.0.0/0");
    expect([f(firstHost(all)), f(lastHost(all)), prefixSize(all)]).toEqual(["0.0.0.1", "255.255.255.254", 1n << 32n]);
  });

  it("handles IPv6 (no broadcast), /127 and /128", () => {
    const c = parseCidr("fd00::/120");
    expect([f(firstHost(c)), f(lastHost(c)), f(broadcastAddress(c))]).toEqual(["fd00::1", "fd00::ff", undefined]);
    const c127 = parseCidr("fd00::1/127");
    expect([f(firstHost(c127)), f(lastHost(c127))]).toEqual(["fd00::", "fd00::1"]);
    const c128 = parseCidr("fd00::7/128");
    expect([f(firstHost(c128)), f(lastHost(c128)), prefixSize(c128)]).toEqual(["fd00::7", "fd00::7", 1n]);
    expect(prefixSize(parseCidr("::/0"))).toBe(1n << 128n);
  });
});

describe("contains and overlap", () => {
  it("contains checks family and prefix", () => {
    const c = parseCidr("10.1.0.0/16");
    expect(cidrContains(c, parseIp("10.1.255.255"))).toBe(true);
    expect(cidrContains(c, parseIp("10.2.0.0"))).toBe(false);
    expect(cidrContains(c, parseIp("::ffff:10.1.0.1"))).toBe(false);
    expect(cidrContains(parseCidr("0.0.0.0/0"), parseIp("1.2.3.4"))).toBe(true);
    expect(cidrContains(parseCidr("fd00::/64"), parseIp("fd00::ffff:1"))).toBe(true);
    expect(cidrContains(parseCidr("10.0.0.5/32"), parseIp("10.0.0.5"))).toBe(true);
    expect(cidrContains(parseCidr("10.0.0.5/32"), parseIp("10.0.0.4"))).toBe(false);
  });

  it("overlap is symmetric and family-aware", () => {
    const pairs: [string, string, boolean][] = [
      ["10.0.0.0/8", "10.1.0.0/16", true],
      ["10.1.0.0/16", "10.0.0.0/8", true],
      ["10.1.0.0/24", "10.1.1.0/24", false],
      ["10.1.0.0/23", "10.1.1.0/24", true],
      ["10.0.0.0/8", "fd00::/8", false],
      ["fd00::/64", "fd00::1/128", true],
      ["fd00::/127", "fd00::2/127", false],
    ];
    for (const [a, b, want] of pairs) expect(cidrsOverlap(parseCidr(a), parseCidr(b)), `${a} ${b}`).toBe(want);
  });
});

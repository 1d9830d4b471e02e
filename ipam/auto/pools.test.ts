import { describe, expect, it } from "vitest";
import { formatCidr, parseCidr } from "../../lib/ip/index.ts";
import { DEFAULT_POOLS_V4, DEFAULT_POOLS_V6, chooseSubnet, parsePools, poolSubnets, type InUse } from "./pools.ts";

const use = (cidr: string, reason = "route"): InUse => ({ cidr: parseCidr(cidr), reason });

describe("automatic subnet choice", () => {
  it("takes Docker's first default when nothing is in use", () => {
    const choice = chooseSubnet(parsePools(DEFAULT_POOLS_V4), []);
    expect(formatCidr(choice.subnet!)).toBe("172.17.0.0/16");
    expect(choice.rejected).toEqual([]);
  });

  it("skips subnets covered by host routes and says why", () => {
    const choice = chooseSubnet(parsePools(DEFAULT_POOLS_V4), [
      use("172.17.0.0/16", "route in table main via docker0"),
      use("172.18.5.0/24", "address 172.18.5.1/24 on eth1"),
    ]);
    expect(formatCidr(choice.subnet!)).toBe("172.19.0.0/16");
    expect(choice.rejected).toEqual([
      { subnet: "172.17.0.0/16", reason: "overlaps 172.17.0.0/16 (route in table main via docker0)" },
      { subnet: "172.18.0.0/16", reason: "overlaps 172.18.5.0/24 (address 172.18.5.1/24 on eth1)" },
    ]);
  });

  it("treats a covering route (e.g. 172.16.0.0/12) as overlapping every candidate inside it", () => {
    const choice = chooseSubnet(parsePools(DEFAULT_POOLS_V4), [use("172.16.0.0/12"), use("192.168.0.0/20", "nameserver")]);
    expect(formatCidr(choice.subnet!)).toBe("192.168.16.0/20");
  });

  it("ignores a default route and other families' entries only when they do not overlap", () => {
    // A default route overlaps everything: it must not be passed as "in use" (the caller skips it).
    const choice = chooseSubnet(parsePools(DEFAULT_POOLS_V4), [use("fd00::/8")]);
    expect(formatCidr(choice.subnet!)).toBe("172.17.0.0/16");
  });

  it("reports exhaustion with no subnet", () => {
    const choice = chooseSubnet(parsePools([{ base: "10.9.0.0/23", size: 24 }]), [use("10.9.0.0/24"), use("10.9.1.0/24")]);
    expect(choice.subnet).toBeUndefined();
    expect(choice.rejected.map((r) => r.subnet)).toEqual(["10.9.0.0/24", "10.9.1.0/24"]);
  });

  it("splits pools into smaller subnets on request, lazily", () => {
    const pools = parsePools([{ base: "10.0.0.0/8", size: 16 }], 24);
    expect(pools[0]?.size).toBe(24);
    const gen = poolSubnets(pools[0]!.base, pools[0]!.size);
    expect([gen.next().value, gen.next().value].map((c) => formatCidr(c!))).toEqual(["10.0.0.0/24", "10.0.1.0/24"]);
    expect(formatCidr(chooseSubnet(pools, [use("10.0.0.0/23")]).subnet!)).toBe("10.0.2.0/24");
  });

  it("carves IPv6 pools into /64s", () => {
    const choice = chooseSubnet(parsePools(DEFAULT_POOLS_V6), [use("fd7b:e27f:c1a::/64")]);
    expect(formatCidr(choice.subnet!)).toBe("fd7b:e27f:c1a:1::/64");
  });

  it("rejects a pool whose size is outside its base", () => {
    expect(() => parsePools([{ base: "10.0.0.0/16", size: 8 }])).toThrowError(/Invalid address pool/);
    expect(() => parsePools([{ base: "10.0.0.0/16", size: 33 }])).toThrowError(/Invalid address pool/);
  });
});

import { nameserversIn } from "./host-usage.ts";

describe("nameservers as things to avoid", () => {
  it("reads IPv4 and IPv6 nameservers (zone ids dropped) and skips the rest", () => {
    const inUse = nameserversIn("# c\nsearch x\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\nnameserver bogus\n", "/etc/resolv.conf");
    expect(inUse.map((u) => `${formatCidr(u.cidr)} ${u.reason}`)).toEqual([
      "192.168.1.1/32 nameserver in /etc/resolv.conf",
      "fe80::1/128 nameserver in /etc/resolv.conf",
    ]);
  });
});

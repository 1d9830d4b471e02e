import { describe, expect, it } from "vitest";
import { formatCidr, formatIp } from "../../lib/ip/index.ts";
import { IpamConfigError } from "../shared/errors.ts";
import { parseHostLocalConfig, parseHostLocalLocation } from "./config.ts";
import type { RangeSet } from "./range_set.ts";

const net = (ipam: object, extra: object = {}): object => ({ cniVersion: "1.0.0", name: "mynet", type: "bridge", ipam: { type: "host-local", ...ipam }, ...extra });

const show = (sets: readonly RangeSet[]): string[][] =>
  sets.map((set) => set.map((r) => `${formatCidr(r.subnet)} ${formatIp(r.rangeStart)}-${formatIp(r.rangeEnd)} gw ${formatIp(r.gateway)}`));

describe("parseHostLocalConfig: ranges", () => {
  it("fills in the reference defaults", () => {
    const c = parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] }));
    expect(show(c.rangeSets)).toEqual([["10.1.0.0/24 10.1.0.1-10.1.0.254 gw 10.1.0.1"], ["fd00::/120 fd00::1-fd00::ff gw fd00::1"]]);
    expect(c.dataDir).toBe("/var/lib/cni/networks");
    expect(c.cooldownMs).toBe(30_000);
    expect(c.requested).toEqual([undefined, undefined]);
  });

  it("keeps explicit rangeStart, rangeEnd and gateway", () => {
    const c = parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.10", rangeEnd: "10.1.0.20", gateway: "10.1.0.254" }]] }));
    expect(show(c.rangeSets)).toEqual([["10.1.0.0/24 10.1.0.10-10.1.0.20 gw 10.1.0.254"]]);
  });

  it("prepends the legacy top-level range", () => {
    const c = parseHostLocalConfig(net({ subnet: "10.9.0.0/16", gateway: "10.9.0.254", ranges: [[{ subnet: "10.1.0.0/24" }]] }));
    expect(show(c.rangeSets)).toEqual([["10.9.0.0/16 10.9.0.1-10.9.255.254 gw 10.9.0.254"], ["10.1.0.0/24 10.1.0.1-10.1.0.254 gw 10.1.0.1"]]);
  });

  it("lets runtimeConfig.ipRanges replace the ranges, reading keys case-insensitively", () => {
    const c = parseHostLocalConfig(
      net({ ranges: [[{ subnet: "10.1.0.0/24" }]] }, { runtimeConfig: { IPRanges: [[{ Subnet: "10.7.0.0/24", RangeStart: "10.7.0.100", Gateway: "10.7.0.1" }]] } }),
    );
    expect(show(c.rangeSets)).toEqual([["10.7.0.0/24 10.7.0.100-10.7.0.254 gw 10.7.0.1"]]);
  });

  it("accepts a /30 and rejects /31, /32, /127, host bits and mapped subnets", () => {
    expect(show(parseHostLocalConfig(net({ subnet: "10.0.0.4/30" })).rangeSets)).toEqual([["10.0.0.4/30 10.0.0.5-10.0.0.6 gw 10.0.0.5"]]);
    expect(() => parseHostLocalConfig(net({ subnet: "10.0.0.4/31" }))).toThrow(/too small/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.0.0.4/32" }))).toThrow(/too small/);
    expect(() => parseHostLocalConfig(net({ subnet: "fd00::/127" }))).toThrow(/too small/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.1.2.3/24" }))).toThrow(/host bits set \(the network address is 10\.1\.2\.0\)/);
    expect(() => parseHostLocalConfig(net({ subnet: "::ffff:10.0.0.0/120" }))).toThrow(/IPv4-mapped/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.0.0.0/33" }))).toThrow(IpamConfigError);
  });

  it("checks rangeStart, rangeEnd and gateway", () => {
    const bad = (r: object): (() => unknown) => () => parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24", ...r }]] }));
    expect(bad({ rangeStart: "10.2.0.1" })).toThrow('Invalid ipam.ranges[0][0].rangeStart in network "mynet": 10.2.0.1 is not in subnet 10.1.0.0/24');
    expect(bad({ rangeEnd: "10.1.1.0" })).toThrow(/not in subnet/);
    expect(bad({ rangeStart: "10.1.0.9", rangeEnd: "10.1.0.5" })).toThrow(/after rangeEnd/);
    expect(bad({ gateway: "fd00::1" })).toThrow(/not an IPv4 address/);
    expect(bad({ rangeStart: "10.1.0.01" })).toThrow(/not an IP address/);
    expect(bad({ rangeStart: 5 })).toThrow(/expected an IP address string, got number/);
  });

  it("rejects overlaps, mixed families and empty sets", () => {
    expect(() => parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "10.1.0.0/25" }]] }))).toThrow(/overlap/);
    expect(() => parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.1.0.0/16" }]] }))).toThrow(
      'Range set 0 overlaps with range set 1 in network "mynet"',
    );
    expect(() => parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "fd00::/64" }]] }))).toThrow(/mixed address families/);
    expect(() => parseHostLocalConfig(net({ ranges: [[]] }))).toThrow(/empty range set/);
    expect(() => parseHostLocalConfig(net({ ranges: [] }))).toThrow('No IP ranges specified for network "mynet"');
    expect(() => parseHostLocalConfig(net({ ranges: [[{ rangeStart: "10.0.0.1" }]] }))).toThrow(/subnet in network "mynet": missing/);
    // Disjoint pools of one subnet are fine.
    const split = parseHostLocalConfig(net({ ranges: [[{ subnet: "10.1.0.0/24", rangeEnd: "10.1.0.9" }, { subnet: "10.1.0.0/24", rangeStart: "10.1.0.10" }]] }));
    expect(split.rangeSets[0]).toHaveLength(2);
  });

  it("applies the spec-version rule on several addresses per family", () => {
    const two = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] };
    expect(() => parseHostLocalConfig(net(two, { cniVersion: "0.2.0" }))).toThrow(/does not support more than one address per family/);
    expect(() => parseHostLocalConfig(net(two, { cniVersion: undefined }))).toThrow(/does not support/);
    expect(parseHostLocalConfig(net(two, { cniVersion: "0.3.0" })).rangeSets).toHaveLength(2);
    const dual = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/64" }]] };
    expect(parseHostLocalConfig(net(dual, { cniVersion: "0.2.0" })).rangeSets).toHaveLength(2);
  });
});

describe("parseHostLocalConfig: requested addresses", () => {
  const dual = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] };
  const req = (c: { requested: readonly ({ family: 4 | 6; value: bigint } | undefined)[] }): (string | undefined)[] =>
    c.requested.map((ip) => (ip === undefined ? undefined : formatIp(ip)));

  it("reads CNI_ARGS IP as a comma-separated list and assigns each to its range set", () => {
    const c = parseHostLocalConfig(net(dual), new Map([["IP", "fd00::9, 10.1.0.9/24"]]));
    expect(req(c)).toEqual(["10.1.0.9", "fd00::9"]);
  });

  it("unions args.cni.ips and runtimeConfig.ips, and then ignores CNI_ARGS IP", () => {
    const c = parseHostLocalConfig(net(dual, { args: { cni: { ips: ["10.1.0.7"] } }, runtimeConfig: { ips: ["fd00::7/120"] } }), new Map([["IP", "10.1.0.99"]]));
    expect(req(c)).toEqual(["10.1.0.7", "fd00::7"]);
    const dup = parseHostLocalConfig(net(dual, { args: { cni: { ips: ["10.1.0.7"] } }, runtimeConfig: { ips: ["10.1.0.7"] } }));
    expect(req(dup)).toEqual(["10.1.0.7", undefined]);
    const mapped = parseHostLocalConfig(net(dual, { runtimeConfig: { ips: ["::ffff:10.1.0.8"] } }));
    expect(req(mapped)).toEqual(["10.1.0.8", undefined]);
  });

  it("rejects requests outside the ranges, two per set, the gateway and excluded addresses", () => {
    expect(() => parseHostLocalConfig(net(dual), new Map([["IP", "10.9.0.1"]]))).toThrow('Requested address 10.9.0.1 (CNI_ARGS IP) is not in any range of network "mynet"');
    expect(() => parseHostLocalConfig(net(dual), new Map([["IP", "10.1.0.5,10.1.0.6"]]))).toThrow(/both in range set .* one address is allocated per range set/);
    expect(() => parseHostLocalConfig(net(dual), new Map([["IP", "10.1.0.1"]]))).toThrow(/is the gateway/);
    expect(() => parseHostLocalConfig(net({ ...dual, exclude: ["10.1.0.0/28"] }), new Map([["IP", "10.1.0.5"]]))).toThrow(/is excluded/);
    expect(() => parseHostLocalConfig(net(dual), new Map([["IP", "10.1.0.256"]]))).toThrow(/CNI_ARGS IP\[0\]/);
    expect(() => parseHostLocalConfig(net(dual, { args: { cni: { ips: [7] } } }))).toThrow(/args\.cni\.ips\[0\]/);
  });
});

describe("parseHostLocalConfig: berth keys and the rest", () => {
  it("reads exclude, cooldownSeconds, routes, resolvConf and dataDir", () => {
    const c = parseHostLocalConfig(
      net({
        subnet: "10.1.0.0/24",
        exclude: ["10.1.0.5", "10.1.0.64/28", "10.200.0.0/16"],
        cooldownSeconds: 2.5,
        routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254", priority: 10 }],
        resolvConf: "/etc/resolv.conf",
        dataDir: "/run/cni/ipam",
      }),
    );
    expect(c.exclude.map(formatCidr)).toEqual(["10.1.0.5/32", "10.1.0.64/28", "10.200.0.0/16"]);
    expect(c.warnings).toEqual(['Excluded 10.200.0.0/16 lies outside every range of network "mynet"']);
    expect(c.cooldownMs).toBe(2500);
    expect(c.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254", priority: 10 }]);
    expect(c.resolvConf).toBe("/etc/resolv.conf");
    expect(c.dataDir).toBe("/run/cni/ipam");
  });

  it("rejects bad berth keys, routes and top-level shapes", () => {
    expect(() => parseHostLocalConfig(net({ subnet: "10.1.0.0/24", exclude: ["10.1.0.65/28"] }))).toThrow(/host bits set \(did you mean 10\.1\.0\.64\/28\?\)/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.1.0.0/24", cooldownSeconds: -1 }))).toThrow(/cooldownSeconds/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.1.0.0/24", routes: [{ gw: "10.1.0.1" }] }))).toThrow(/routes\[0\]\.dst .*missing/);
    expect(() => parseHostLocalConfig(net({ subnet: "10.1.0.0/24", ranges: {} }))).toThrow(/ipam\.ranges .*expected an array, got object/);
    expect(() => parseHostLocalConfig({ name: "x" })).toThrow('Missing "ipam" section in network "x"');
    expect(() => parseHostLocalConfig({ name: "../etc", ipam: {} })).toThrow(/Invalid network name/);
    expect(() => parseHostLocalConfig("nope")).toThrow(IpamConfigError);
  });

  it("the lenient location parse ignores broken ranges", () => {
    const loc = parseHostLocalLocation(net({ ranges: "garbage", dataDir: "/tmp/x", cooldownSeconds: "bad" }));
    expect(loc).toEqual({ name: "mynet", cniVersion: "1.0.0", dataDir: "/tmp/x", cooldownMs: 30_000 });
  });
});

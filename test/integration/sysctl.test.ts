import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { sysctlGet, sysctlPath, sysctlSet } from "../../lib/sysctl/index.ts";
import { TestNetns } from "../harness/index.ts";

let ns: TestNetns;
beforeEach(() => {
  ns = TestNetns.create("sc");
});
afterEach(() => ns.destroy());

describe("lib/sysctl", () => {
  it("reads and writes net.* inside a namespace without touching the machine's value", () => {
    const machine = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
    const inside = sysctlGet("net.ipv4.ip_forward", ns.path);
    const flipped = inside === "1" ? "0" : "1";
    expect(sysctlSet("net.ipv4.ip_forward", flipped, ns.path)).toBe(inside);
    expect(ns.run("sysctl", ["-n", "net.ipv4.ip_forward"]).trim()).toBe(flipped);
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim()).toBe(machine);
  });

  it("handles interface names with dots as path segments", () => {
    ns.run("ip", ["link", "add", "br.10", "type", "bridge"]);
    sysctlSet(["net", "ipv4", "conf", "br.10", "arp_notify"], 1, ns.path);
    expect(sysctlGet(["net", "ipv4", "conf", "br.10", "arp_notify"], ns.path)).toBe("1");
  });

  it("names the parameter and a hint when it does not exist", () => {
    expect(() => sysctlGet("net.ipv4.conf.nosuchif0.arp_notify", ns.path)).toThrowError(
      /net\.ipv4\.conf\.nosuchif0\.arp_notify.*no such parameter/,
    );
    expect(() => sysctlPath("net/../../etc")).toThrowError(/Invalid sysctl name/);
  });
});

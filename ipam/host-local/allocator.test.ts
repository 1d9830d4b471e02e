import { describe, expect, it } from "vitest";
import { formatIp, parseCidr, parseIp } from "../../lib/ip/index.ts";
import { ConfigReader } from "../shared/json.ts";
import { allocate, freeAddressCount, releaseOwner } from "./allocator.ts";
import type { AllocationPolicy } from "./allocator.ts";
import { MemoryStore } from "./memory_store.ts";
import { readRangeSet } from "./range_set.ts";

const reader = new ConfigReader("t");
const policy = (sets: object[][], exclude: string[] = [], cooldownMs = 0): AllocationPolicy => ({
  network: "t",
  rangeSets: sets.map((s, i) => readRangeSet(reader, s, `ranges[${i}]`)),
  exclude: exclude.map((e) => (e.includes("/") ? parseCidr(e) : parseCidr(`${e}/${e.includes(":") ? 128 : 32}`))),
  cooldownMs,
});

function take(store: MemoryStore, p: AllocationPolicy, id: string, now = 0): string[] {
  return store.transaction((tx) => allocate(tx, p, { containerId: id, ifname: "eth0" }, [], now).map((a) => formatIp(a.ip)));
}

describe("allocate", () => {
  it("starts at rangeStart when the last reserved address is outside the set", () => {
    const store = new MemoryStore();
    store.lastReservedByIndex.set(0, parseIp("192.168.0.9"));
    expect(take(store, policy([[{ subnet: "10.0.0.0/29" }]]), "a")).toEqual(["10.0.0.2"]);
  });

  it("continues after the last reserved address and wraps across ranges, skipping excluded ends", () => {
    const store = new MemoryStore();
    const p = policy([[{ subnet: "10.0.0.0/29" }, { subnet: "10.0.1.0/29" }]], ["10.0.0.6", "10.0.1.2"]);
    store.lastReservedByIndex.set(0, parseIp("10.0.0.5"));
    const got = ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => take(store, p, id)[0]);
    expect(got).toEqual(["10.0.1.3", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]);
    expect(() => take(store, p, "i")).toThrow("No free address in ranges 10.0.0.0/29, 10.0.1.0/29 for network \"t\"");
  });

  it("terminates on a huge, fully excluded IPv6 set", () => {
    const store = new MemoryStore();
    const p = policy([[{ subnet: "fd00::/64" }]], ["fd00::/65", "fd00::8000:0:0:0/65"]);
    expect(() => take(store, p, "a")).toThrow(/No free address in range fd00::\/64/);
  });

  it("releaseOwner returns what was released", () => {
    const store = new MemoryStore();
    const p = policy([[{ subnet: "10.0.0.0/24" }], [{ subnet: "fd00::/120" }]]);
    take(store, p, "a");
    const released = store.transaction((tx) => releaseOwner(tx, { containerId: "a", ifname: "eth0" }));
    expect(released.map(formatIp)).toEqual(["10.0.0.2", "fd00::2"]);
  });
});

describe("freeAddressCount", () => {
  it("subtracts merged exclusions, the gateway and reservations once each", () => {
    const store = new MemoryStore();
    // .1 .. .254 = 254 addresses; excluded .0-.15 (overlapping blocks: 15 in the pool, the gateway .1 among them) and .100.
    const p = policy([[{ subnet: "10.0.0.0/24" }]], ["10.0.0.0/29", "10.0.0.4/30", "10.0.0.8/29", "10.0.0.100"]);
    expect(store.transaction((tx) => freeAddressCount(tx, p, 0))).toBe(254n - 15n - 1n);
    store.seed("10.0.0.20", "x", "eth0");
    store.seed("10.0.0.100", "y", "eth0"); // excluded, counted once
    store.seed("10.9.9.9", "z", "eth0"); // outside the set
    expect(store.transaction((tx) => freeAddressCount(tx, p, 0))).toBe(254n - 15n - 1n - 1n);
    const v6 = policy([[{ subnet: "fd00::/64" }]]);
    expect(store.transaction((tx) => freeAddressCount(tx, v6, 0))).toBe((1n << 64n) - 2n);
  });
});

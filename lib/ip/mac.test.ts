import { describe, expect, it } from "vitest";
import { formatMac, isLocallyAdministeredMac, isMulticastMac, macEquals, parseMac, randomMac, tryParseMac } from "./mac.ts";

describe("MAC addresses", () => {
  it("parses colon and dash forms and formats lowercase", () => {
    expect(formatMac(parseMac("C2:11:22:33:44:5F"))).toBe("c2:11:22:33:44:5f");
    expect(formatMac(parseMac("c2-11-22-33-44-5f"))).toBe("c2:11:22:33:44:5f");
    expect(macEquals(parseMac("00:00:00:00:00:01"), Uint8Array.of(0, 0, 0, 0, 0, 1))).toBe(true);
  });

  it("rejects other shapes", () => {
    for (const t of ["c2:11:22:33:44", "c2:11:22:33:44:55:66", "c2:11-22:33:44:55", "c2112233445f", "c2:11:22:33:44:5g", "c:11:22:33:44:55", " c2:11:22:33:44:55"]) {
      expect(() => parseMac(t), t).toThrow(TypeError);
    }
    expect(tryParseMac("nope")).toBeUndefined();
    expect(() => formatMac(new Uint8Array(5))).toThrow(RangeError);
  });

  it("reads the I/G and U/L bits", () => {
    expect(isMulticastMac(parseMac("01:00:5e:00:00:01"))).toBe(true);
    expect(isMulticastMac(parseMac("ff:ff:ff:ff:ff:ff"))).toBe(true);
    expect(isLocallyAdministeredMac(parseMac("02:00:00:00:00:01"))).toBe(true);
    expect(isLocallyAdministeredMac(parseMac("00:1b:21:00:00:01"))).toBe(false);
  });

  it("random MACs are locally administered unicast and differ", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const mac = randomMac();
      expect(mac.length).toBe(6);
      expect(isMulticastMac(mac)).toBe(false);
      expect(isLocallyAdministeredMac(mac)).toBe(true);
      seen.add(formatMac(mac));
    }
    expect(seen.size).toBeGreaterThan(195);
  });
});

import { describe, expect, it } from "vitest";
import { NEIGH_STATES, OPER_STATES, ROUTE_PROTOCOLS, ROUTE_TYPES, SCOPES } from "./names.ts";

describe("iproute2 names", () => {
  it("reads both ways, as ip prints them", () => {
    expect(SCOPES.value("global")).toBe(0);
    expect(SCOPES.value("link")).toBe(253);
    expect(SCOPES.name(254)).toBe("host");
    expect(ROUTE_TYPES.value("blackhole")).toBe(6);
    expect(ROUTE_PROTOCOLS.name(3)).toBe("boot");
    expect(OPER_STATES.name(6)).toBe("up");
    expect(NEIGH_STATES.name(0x80)).toBe("permanent");
  });

  it("keeps numbers without a name as numbers, and checks their range", () => {
    expect(ROUTE_PROTOCOLS.name(42)).toBe(42);
    expect(SCOPES.value(100)).toBe(100);
    expect(NEIGH_STATES.name(0x02 | 0x80)).toBe(0x82);
    expect(() => SCOPES.value(256)).toThrow(/Invalid scope 256/);
    expect(() => ROUTE_TYPES.value("teleport" as "unicast")).toThrow(/Unknown route type "teleport": expected one of unspec, unicast/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { formatCidr, parseCidr } from "../../lib/ip/index.ts";
import { DEFAULT_POOLS_V4, parsePools } from "./pools.ts";
import { NoFreeSubnetError, SubnetRegistry } from "./registry.ts";

const dirs: string[] = [];
function registry(): SubnetRegistry {
  const d = mkdtempSync(`${tmpdir()}/berth-test-pools-`);
  dirs.push(d);
  return new SubnetRegistry(`${d}/subnets`);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pools = parsePools(DEFAULT_POOLS_V4);

describe("SubnetRegistry", () => {
  it("chooses once per network and reuses the choice without asking the host again", () => {
    const reg = registry();
    let asked = 0;
    const host = () => {
      asked += 1;
      return [{ cidr: parseCidr("172.17.0.0/16"), reason: "route" }];
    };
    const first = reg.subnetFor("net-a", "v4", pools, host);
    expect(formatCidr(first.subnet)).toBe("172.18.0.0/16");
    expect(first.reused).toBe(false);
    expect(first.rejected.map((r) => r.subnet)).toEqual(["172.17.0.0/16"]);
    // Later, the bridge's own route covers the subnet: the record wins, the host is not consulted.
    const again = reg.subnetFor("net-a", "v4", pools, () => [{ cidr: parseCidr("172.18.0.0/16"), reason: "route" }]);
    expect(formatCidr(again.subnet)).toBe("172.18.0.0/16");
    expect(again.reused).toBe(true);
    expect(asked).toBe(1);
  });

  it("gives different networks different subnets", () => {
    const reg = registry();
    const a = reg.subnetFor("a", "v4", pools, () => []);
    const b = reg.subnetFor("b", "v4", pools, () => []);
    expect([formatCidr(a.subnet), formatCidr(b.subnet)]).toEqual(["172.17.0.0/16", "172.18.0.0/16"]);
    expect(b.rejected[0]?.reason).toMatch(/network "a"/);
    reg.forget("a");
    expect(formatCidr(reg.subnetFor("c", "v4", pools, () => []).subnet)).toBe("172.17.0.0/16");
  });

  it("says so when no subnet is free", () => {
    const reg = registry();
    const small = parsePools([{ base: "10.5.0.0/24", size: 24 }]);
    expect(() => reg.subnetFor("n", "v4", small, () => [{ cidr: parseCidr("10.0.0.0/8"), reason: "route" }])).toThrowError(
      NoFreeSubnetError,
    );
    expect(() => reg.subnetFor("n", "v4", small, () => [{ cidr: parseCidr("10.0.0.0/8"), reason: "route" }])).toThrowError(
      /No free IPv4 subnet for network "n"/,
    );
  });
});

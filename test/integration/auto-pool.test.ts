import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { formatCidr } from "../../lib/ip/index.ts";
import { openHandle } from "../../lib/netlink/index.ts";
import { hostInUse } from "../../ipam/auto/host-usage.ts";
import { DEFAULT_POOLS_V4, parsePools } from "../../ipam/auto/pools.ts";
import { SubnetRegistry } from "../../ipam/auto/registry.ts";
import { TestNetns } from "../harness/index.ts";

let host: TestNetns;
let dir: string;
beforeEach(() => {
  host = TestNetns.create("ap");
  dir = mkdtempSync(`${tmpdir()}/berth-test-auto-`);
});
afterEach(() => {
  host.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe("automatic subnet from what the simulated host uses", () => {
  it("skips subnets covered by routes in any table, addresses and nameservers", () => {
    host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "up1"]);
    host.run("ip", ["link", "set", "up0", "up"]);
    host.run("ip", ["route", "add", "172.17.0.0/16", "dev", "up0"]);
    host.run("ip", ["route", "add", "172.18.0.0/16", "dev", "up0", "table", "100"]);
    host.run("ip", ["addr", "add", "172.19.3.1/24", "dev", "up0"]);
    writeFileSync(`${dir}/resolv.conf`, "nameserver 172.20.0.53\n");
    using handle = openHandle(host.path);
    const inUse = hostInUse(handle, `${dir}/resolv.conf`);
    const reg = new SubnetRegistry(`${dir}/subnets`);
    const got = reg.subnetFor("auto-net", "v4", parsePools(DEFAULT_POOLS_V4), () => inUse);
    expect(formatCidr(got.subnet)).toBe("172.21.0.0/16");
    expect(got.rejected).toEqual([
      { subnet: "172.17.0.0/16", reason: "overlaps 172.17.0.0/16 (route 172.17.0.0/16 dev up0 in table main)" },
      { subnet: "172.18.0.0/16", reason: "overlaps 172.18.0.0/16 (route 172.18.0.0/16 dev up0 in table 100)" },
      { subnet: "172.19.0.0/16", reason: "overlaps 172.19.3.1/24 (address 172.19.3.1/24 on up0)" },
      { subnet: "172.20.0.0/16", reason: "overlaps 172.20.0.53/32 (nameserver in " + `${dir}/resolv.conf)` },
    ]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { IpamCode, IpamError } from "../shared/errors.ts";
import type { IpamResult } from "../shared/types.ts";
import { hostLocalAdd, hostLocalCheck, hostLocalDel, hostLocalGc, hostLocalStatus } from "./host_local.ts";
import type { HostLocalOptions } from "./host_local.ts";
import { MemoryStore } from "./memory_store.ts";

const net = (ipam: object, extra: object = {}): object => ({ cniVersion: "1.1.0", name: "mynet", type: "bridge", ipam: { type: "host-local", ...ipam }, ...extra });

/** A memory store with a controllable clock, and the ops bound to it. */
function harness(ipam: object, extra: object = {}) {
  let now = 1_000_000;
  const store = new MemoryStore({ now: () => now });
  const diagnostics: string[] = [];
  const options: HostLocalOptions = { openStore: () => store, now: () => now, onDiagnostic: (m) => diagnostics.push(m) };
  const config = net(ipam, extra);
  const req = (containerId: string, ifname = "eth0", args?: Map<string, string>, cfg: object = config) => ({ config: cfg, containerId, ifname, args });
  return {
    store,
    diagnostics,
    options,
    config,
    tick: (ms: number) => void (now += ms),
    add: (id: string, ifname?: string, args?: Map<string, string>): Promise<IpamResult> => hostLocalAdd(req(id, ifname, args), options),
    addr: async (id: string, ifname?: string, args?: Map<string, string>): Promise<string[]> => (await hostLocalAdd(req(id, ifname, args), options)).ips.map((i) => i.address),
    del: (id: string, ifname?: string) => hostLocalDel(req(id, ifname), options),
    check: (id: string, ifname?: string, cfg?: object) => hostLocalCheck(req(id, ifname, undefined, cfg), options),
    gc: (valid: { containerId: string; ifname: string }[] | undefined) => hostLocalGc({ config }, valid, options),
    status: () => hostLocalStatus({ config }, options),
    held: () => [...store.reservations.keys()].sort(),
  };
}

async function rejection(p: Promise<unknown>): Promise<IpamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IpamError);
  return err as IpamError;
}

describe("hostLocalAdd: allocation order", () => {
  it("skips the gateway, returns prefix and gateway, and goes round-robin", async () => {
    const h = harness({ subnet: "10.1.0.0/24", routes: [{ dst: "0.0.0.0/0" }] });
    const r = await h.add("c1");
    expect(r).toEqual({ cniVersion: "1.1.0", ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1" }], routes: [{ dst: "0.0.0.0/0" }] });
    expect(await h.addr("c2")).toEqual(["10.1.0.3/24"]);
    await h.del("c1");
    h.tick(3_600_000); // long past any cool-down: round-robin alone moves on
    expect(await h.addr("c3")).toEqual(["10.1.0.4/24"]);
  });

  it("wraps around to rangeStart and crosses ranges of one set", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/30" }, { subnet: "10.2.0.0/30" }]], cooldownSeconds: 0 });
    expect(await h.addr("a")).toEqual(["10.1.0.2/30"]);
    expect(await h.addr("b")).toEqual(["10.2.0.2/30"]);
    await h.del("a");
    expect(await h.addr("c")).toEqual(["10.1.0.2/30"]);
    const err = await rejection(h.add("d"));
    expect(err.message).toBe('No free address in ranges 10.1.0.0/30, 10.2.0.0/30 for network "mynet"');
    expect(err.code).toBe(IpamCode.addressUnavailable);
  });

  it("hands out .1 when the gateway is elsewhere, the IPv6 last address, and rolls back on failure", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/29", gateway: "10.1.0.6" }], [{ subnet: "fd00::/126" }]] });
    expect(await h.addr("a")).toEqual(["10.1.0.1/29", "fd00::2/126"]);
    expect(await h.addr("b")).toEqual(["10.1.0.2/29", "fd00::3/126"]);
    const err = await rejection(h.add("c"));
    expect(err.message).toBe('No free address in range fd00::/126 for network "mynet"');
    expect(h.held()).toEqual(["10.1.0.1", "10.1.0.2", "fd00::2", "fd00::3"]); // 10.1.0.3 was given back
    expect(h.store.releaseTimes.has("10.1.0.3")).toBe(false); // and does not cool down
  });

  it("names the range when exhausted, from a narrowed pool", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.10", rangeEnd: "10.1.0.11" }]] });
    await h.add("a");
    await h.add("b");
    expect((await rejection(h.add("c"))).message).toBe('No free address in range 10.1.0.0/24 (10.1.0.10-10.1.0.11) for network "mynet"');
  });
});

describe("hostLocalAdd: exclusions and cool-down", () => {
  it("never hands out excluded addresses", async () => {
    const h = harness({ subnet: "10.1.0.0/24", exclude: ["10.1.0.2", "10.1.0.4/30", "10.1.0.8/29", "10.1.0.12/30"] });
    const got: string[] = [];
    for (const id of ["a", "b", "c"]) got.push(...(await h.addr(id)));
    expect(got).toEqual(["10.1.0.3/24", "10.1.0.16/24", "10.1.0.17/24"]);
  });

  it("skips huge excluded blocks without walking them", async () => {
    const h = harness({ subnet: "fd00::/64", exclude: ["fd00::/65", "fd00:0:0:0:8000::/66"] });
    expect(await h.addr("a")).toEqual(["fd00::c000:0:0:0/64"]);
  });

  it("is exhausted when exclusions cover the rest", async () => {
    const h = harness({ subnet: "10.1.0.0/29", exclude: ["10.1.0.0/30", "10.1.0.4/31"] });
    expect(await h.addr("a")).toEqual(["10.1.0.6/29"]);
    expect((await rejection(h.add("b"))).message).toMatch(/^No free address in range 10\.1\.0\.0\/29/);
  });

  it("does not reuse a released address during the cool-down while another is free", async () => {
    const h = harness({ subnet: "10.1.0.0/29", cooldownSeconds: 30 }); // .2 .. .6
    for (const id of ["a", "b", "c", "d", "e"]) await h.add(id); // last reserved .6
    await h.del("a"); // .2 released at t0
    h.tick(60_000);
    await h.del("b"); // .3 released at t0+60s
    h.tick(1_000);
    await h.del("c"); // .4 released at t0+61s
    h.tick(1_000);
    // From .6 the walk wraps to .2: cooled down long ago, so it is taken.
    expect(await h.addr("f")).toEqual(["10.1.0.2/29"]);
    // Next would be .3 and .4, both still cooling; nothing else is free → the oldest release, .3.
    expect(await h.addr("g")).toEqual(["10.1.0.3/29"]);
    expect(h.diagnostics.at(-1)).toMatch(/^Handed out 10\.1\.0\.3 in network "mynet" before its cool-down ended/);
    h.tick(30_000);
    expect(await h.addr("h")).toEqual(["10.1.0.4/29"]);
  });

  it("prefers a cooled-down address further on over a cooling one", async () => {
    const run = async (cooldownSeconds: number): Promise<string[]> => {
      const h = harness({ subnet: "10.1.0.0/29", cooldownSeconds });
      for (const id of ["a", "b", "c", "d", "e"]) await h.add(id); // .2 .. .6, last reserved .6
      await h.del("c"); // .4
      h.tick(60_000);
      await h.del("a"); // .2, just now
      return h.addr("f");
    };
    expect(await run(30)).toEqual(["10.1.0.4/29"]);
    expect(await run(0)).toEqual(["10.1.0.2/29"]);
  });

  it("falls back to the address released longest ago", async () => {
    const h = harness({ subnet: "10.1.0.0/29", cooldownSeconds: 30 });
    for (const id of ["a", "b", "c", "d", "e"]) await h.add(id);
    await h.del("e"); // .6
    h.tick(1_000);
    await h.del("a"); // .2
    expect(await h.addr("f")).toEqual(["10.1.0.6/29"]);
  });
});

describe("hostLocalAdd: requested addresses", () => {
  const dual = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] };

  it("honours CNI_ARGS IP, args.cni.ips and runtimeConfig.ips", async () => {
    const h = harness(dual);
    expect(await h.addr("a", "eth0", new Map([["IP", "10.1.0.50,fd00::50"]]))).toEqual(["10.1.0.50/24", "fd00::50/120"]);
    // The next automatic pick continues after the requested one, like the reference.
    expect(await h.addr("b")).toEqual(["10.1.0.51/24", "fd00::51/120"]);
    const h2 = harness(dual, { args: { cni: { ips: ["10.1.0.60"] } }, runtimeConfig: { ips: ["fd00::60"] } });
    expect(await h2.addr("a")).toEqual(["10.1.0.60/24", "fd00::60/120"]);
  });

  it("ignores the cool-down for a requested address but refuses a taken one", async () => {
    const h = harness(dual);
    await h.add("a", "eth0", new Map([["IP", "10.1.0.50"]]));
    const err = await rejection(h.add("b", "eth0", new Map([["IP", "10.1.0.50"]])));
    expect(err.message).toBe('Requested address 10.1.0.50 is already reserved by container "a" interface "eth0" in network "mynet"');
    expect(err.code).toBe(IpamCode.addressUnavailable);
    expect(h.held()).toEqual(["10.1.0.50", "fd00::2"]); // b's v4 failure left nothing behind
    await h.del("a");
    expect(await h.addr("b", "eth0", new Map([["IP", "10.1.0.50"]]))).toEqual(["10.1.0.50/24", "fd00::3/120"]);
  });
});

describe("hostLocalAdd: repeated ADD", () => {
  it("returns the addresses already held instead of allocating again", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] });
    const first = await h.add("a");
    expect(await h.add("a")).toEqual(first);
    expect(h.held()).toEqual(["10.1.0.2", "fd00::2"]);
    // Another interface of the same container is another attachment.
    expect(await h.addr("a", "net1")).toEqual(["10.1.0.3/24", "fd00::3/120"]);
    // The same request again is fine; asking for a different address is not.
    expect(await h.addr("a", "eth0", new Map([["IP", "10.1.0.2"]]))).toEqual(["10.1.0.2/24", "fd00::2/120"]);
    expect((await rejection(h.add("a", "eth0", new Map([["IP", "10.1.0.9"]])))).message).toBe(
      'Container "a" interface "eth0" already holds 10.1.0.2 in range set 10.1.0.1-10.1.0.254 of network "mynet"; cannot also take requested 10.1.0.9',
    );
  });

  it("fills in a range set that was added to the configuration later", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/24" }]] });
    await h.add("a");
    const wider = net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] });
    const r = await hostLocalAdd({ config: wider, containerId: "a", ifname: "eth0" }, h.options);
    expect(r.ips.map((i) => i.address)).toEqual(["10.1.0.2/24", "fd00::2/120"]);
  });
});

describe("hostLocalDel and hostLocalCheck", () => {
  it("DEL releases the attachment's addresses; a missing one is success", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] });
    await h.add("a");
    await h.add("a", "net1");
    await h.del("a");
    expect(h.held()).toEqual(["10.1.0.3", "fd00::3"]);
    await h.del("a");
    await h.del("never-seen");
    await expect(hostLocalDel({ config: net({ ranges: "broken" }), containerId: "a", ifname: "net1" }, h.options)).resolves.toBeUndefined();
    expect(h.held()).toEqual([]);
  });

  it("DEL falls back to legacy container-only reservations", async () => {
    const h = harness({ subnet: "10.1.0.0/24" });
    h.store.seed("10.1.0.7", "old", undefined);
    h.store.seed("10.1.0.8", "old", "eth1");
    await h.del("old", "eth0");
    expect(h.held()).toEqual(["10.1.0.8"]);
  });

  it("CHECK passes for a held attachment and fails otherwise", async () => {
    const h = harness({ subnet: "10.1.0.0/24" });
    await h.add("a");
    await h.check("a");
    const err = await rejection(h.check("b"));
    expect(err.message).toBe('No address is reserved for container "b" interface "eth0" in network "mynet"');
    expect(err.code).toBe(IpamCode.checkFailed);
    const withPrev = net({ subnet: "10.1.0.0/24" }, { prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.1.0.3/24" }, { address: "192.168.9.9/24" }] } });
    expect((await rejection(h.check("a", "eth0", withPrev))).message).toBe(
      'Address 10.1.0.3 from prevResult is not reserved for container "a" interface "eth0" in network "mynet"',
    );
    const goodPrev = net({ subnet: "10.1.0.0/24" }, { prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.1.0.2/24" }, { address: "192.168.9.9/24" }] } });
    await h.check("a", "eth0", goodPrev);
  });
});

describe("hostLocalGc", () => {
  async function populated() {
    const h = harness({ subnet: "10.1.0.0/24" });
    await h.add("a");
    await h.add("b");
    await h.add("b", "net1");
    h.store.seed("10.1.0.100", "legacy", undefined);
    return h;
  }

  it("releases nothing without a list", async () => {
    const h = await populated();
    expect(await h.gc(undefined)).toEqual({ released: [], removedCorrupt: [] });
    expect(h.held()).toHaveLength(4);
  });

  it("releases everything for an empty list", async () => {
    const h = await populated();
    expect((await h.gc([])).released.sort()).toEqual(["10.1.0.100", "10.1.0.2", "10.1.0.3", "10.1.0.4"]);
    expect(h.held()).toEqual([]);
  });

  it("keeps exactly the valid attachments, and legacy entries of a valid container", async () => {
    const h = await populated();
    const report = await h.gc([
      { containerId: "b", ifname: "net1" },
      { containerId: "legacy", ifname: "eth0" },
    ]);
    expect(report.released.sort()).toEqual(["10.1.0.2", "10.1.0.3"]);
    expect(h.held()).toEqual(["10.1.0.100", "10.1.0.4"]);
  });
});

describe("hostLocalStatus", () => {
  it("reports an exhausted pool with code 50 and counts cooling addresses as free", async () => {
    const h = harness({ ranges: [[{ subnet: "10.1.0.0/29" }], [{ subnet: "fd00::/64" }]], exclude: ["10.1.0.4/30"] }); // .2 .3 free
    await h.status();
    await h.add("a");
    await h.add("b");
    const err = await rejection(h.status());
    expect(err.code).toBe(IpamCode.unavailable);
    expect(err.message).toBe('Pool exhausted: no free address in range 10.1.0.0/29 of network "mynet"');
    await h.del("a");
    await h.status(); // .2 is cooling down, but ADD would still get it
  });
});

describe("hostLocalAdd: resolvConf", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("returns the DNS settings of the file, and fails when it is missing", async () => {
    const dir = mkdtempSync(`${tmpdir()}/berth-test-resolv-`);
    dirs.push(dir);
    writeFileSync(`${dir}/resolv.conf`, "nameserver 10.0.0.53\nsearch a.example b.example\n");
    const h = harness({ subnet: "10.1.0.0/24", resolvConf: `${dir}/resolv.conf` });
    expect((await h.add("a")).dns).toEqual({ nameservers: ["10.0.0.53"], search: ["a.example", "b.example"] });
    const missing = harness({ subnet: "10.1.0.0/24", resolvConf: `${dir}/nope` });
    const err = await rejection(missing.add("a"));
    expect(err.code).toBe(IpamCode.ioFailure);
    expect(err.message).toMatch(/^Cannot read resolvConf ".*\/nope" of network "mynet"$/);
    expect(missing.held()).toEqual([]);
  });
});

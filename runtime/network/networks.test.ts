import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { NetworkStore, bridgeName, renderConflist, type NetworkSpec } from "./networks.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const store = () => {
  const d = mkdtempSync(`${tmpdir()}/berth-test-net-`);
  dirs.push(d);
  return new NetworkStore(d);
};
const spec = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({ name: "web", driver: "bridge", subnets: [], internal: false, icc: true, ipv6: false, labels: {}, ...over });

describe("networks", () => {
  it("renders Docker's bridge network as bridge → portmap → firewall → dnsfiles, automatic subnet when none is given", () => {
    const c = renderConflist(spec({ icc: false }), "/s", "/i") as { plugins: Record<string, unknown>[] };
    expect(c.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "firewall", "dnsfiles"]);
    expect(c.plugins[0]).toMatchObject({ bridge: bridgeName({ name: "web" }), isGateway: true, isDefaultGateway: true, ipMasq: true, ipam: { type: "host-local", dataDir: "/i" } });
    expect(c.plugins[0]?.ipam).not.toHaveProperty("ranges");
    expect(c.plugins[2]).toMatchObject({ icc: false, internal: false, ingressPolicy: "same-bridge" });
    expect(bridgeName({ name: "bridge" })).toBe("berth0");
  });

  it("an internal network has no default route and no masquerade; --subnet/--gateway become a range", () => {
    const c = renderConflist(spec({ internal: true, subnets: ["172.30.0.0/24"], gateway: "172.30.0.254" }), "/s", "/i") as { plugins: Record<string, unknown>[] };
    expect(c.plugins[0]).toMatchObject({ isDefaultGateway: false, ipMasq: false, ipam: { ranges: [[{ subnet: "172.30.0.0/24", gateway: "172.30.0.254" }]] } });
  });

  it("rejects bad options naming the option and the fix", () => {
    expect(() => renderConflist(spec({ subnets: ["172.30.0.1/24"] }), "/s", "/i")).toThrow(/--subnet "172\.30\.0\.1\/24" has host bits set: use 172\.30\.0\.0\/24/);
    expect(() => renderConflist(spec({ subnets: ["10.0.0.0/24"], gateway: "10.0.1.1" }), "/s", "/i")).toThrow(/--gateway 10\.0\.1\.1 is in none/);
    expect(() => renderConflist(spec({ driver: "macvlan" }), "/s", "/i")).toThrow(/-o parent=IFACE/);
    expect(() => renderConflist(spec({ name: "-x" }), "/s", "/i")).toThrow(/network name "-x" is invalid/);
    expect(() => renderConflist(spec({ driver: "vxlan", subnets: ["10.40.0.0/16"] }), "/s", "/i")).toThrow(/-o vni=N/);
    expect(() => renderConflist(spec({ driver: "vxlan", vxlan: { vni: 42, remotes: ["192.0.2.2"] } }), "/s", "/i")).toThrow(/needs --subnet/);
  });

  it("the vxlan driver is a bridge with the overlay attached", () => {
    const c = renderConflist(spec({ driver: "vxlan", subnets: ["10.40.0.0/16"], vxlan: { vni: 42, remotes: ["192.0.2.2"] } }), "/s", "/i") as { plugins: Record<string, unknown>[] };
    expect(c.plugins[0]).toMatchObject({ type: "bridge", vxlan: { vni: 42, remotes: ["192.0.2.2"] } });
  });

  it("stores networks as conflists; a name or bridge is taken once; the default network is made on first use", () => {
    const s = store();
    s.create(spec());
    expect(() => s.create(spec())).toThrow(/network "web" already exists/);
    expect(() => s.create(spec({ name: "web2", bridge: bridgeName({ name: "web" }) }))).toThrow(/already belongs to network "web"/);
    expect(s.ensureDefault().plugins[0]?.bridge).toBe("berth0");
    expect(s.list().map((l) => l.name)).toEqual(["bridge", "web"]);
    s.remove("web");
    expect(() => s.remove("web")).toThrow(/no such network "web"/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { AttachmentStore, bootId, type AttachmentRecord } from "./attachments.ts";

const dirs: string[] = [];
function store(): AttachmentStore {
  const d = mkdtempSync(`${tmpdir()}/berth-test-att-`);
  dirs.push(d);
  return new AttachmentStore(d);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const record = (containerId: string, ifname = "eth0"): AttachmentRecord<{ hostVeth: string }> => ({
  network: "net1",
  containerId,
  ifname,
  plugin: "bridge",
  createdAt: new Date(0).toISOString(),
  bootId: bootId(),
  state: "adding",
  resources: { hostVeth: `veth-${containerId}` },
});

describe("AttachmentStore", () => {
  it("writes, reads, lists and removes records by (network, container, ifname)", () => {
    const s = store();
    s.write(record("c1"));
    s.write(record("c1", "eth1"));
    s.write(record("c-2"));
    expect(s.read({ network: "net1", containerId: "c1", ifname: "eth1" })?.resources).toEqual({ hostVeth: "veth-c1" });
    expect(s.list("net1").map((k) => `${k.containerId}/${k.ifname}`).sort()).toEqual(["c-2/eth0", "c1/eth0", "c1/eth1"]);
    s.remove({ network: "net1", containerId: "c1", ifname: "eth0" });
    s.remove({ network: "net1", containerId: "c1", ifname: "eth1" });
    s.remove({ network: "net1", containerId: "c1", ifname: "eth1" }); // twice is fine
    expect(s.list("net1").map((k) => k.containerId)).toEqual(["c-2"]);
    expect(readdirSync(s.networkDir("net1")).filter((f) => !f.startsWith("."))).toEqual(["c-2"]);
    expect(s.list("other")).toEqual([]);
  });

  it("reads a corrupt or missing record as absent", () => {
    const s = store();
    expect(s.read({ network: "net1", containerId: "x", ifname: "eth0" })).toBeUndefined();
    s.write(record("x"));
    writeFileSync(s.path({ network: "net1", containerId: "x", ifname: "eth0" }), "{trunc");
    expect(s.read({ network: "net1", containerId: "x", ifname: "eth0" })).toBeUndefined();
  });

  it("refuses names that would escape its directory", () => {
    const s = store();
    expect(() => s.write({ ...record("../evil") })).toThrowError(/Invalid container ID/);
    expect(() => s.path({ network: "..", containerId: "a", ifname: "b" })).toThrowError(/Invalid network name/);
  });

  it("stamps the kernel boot ID", () => {
    expect(bootId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("AttachmentStore after a process killed mid-write", () => {
  it("remove() also removes the record's leftover temporary files and the empty directory", () => {
    const s = store();
    const key = { network: "net1", containerId: "k1", ifname: "eth0" };
    s.write(record("k1"));
    const dir = s.path(key).slice(0, s.path(key).lastIndexOf("/"));
    writeFileSync(`${dir}/.eth0.json.tmp-999-1`, "{half");
    s.remove(key);
    expect(readdirSync(s.networkDir("net1")).filter((f) => !f.startsWith("."))).toEqual([]);
  });
});

describe("AttachmentStore.findContainer", () => {
  it("finds a container's records on every network, and nothing for an unknown one", () => {
    const s = store();
    s.write(record("c9"));
    s.write({ ...record("c9"), network: "net2", netns: "/run/netns/x" });
    s.write(record("other"));
    expect(s.findContainer("c9").map((r) => r.network).sort()).toEqual(["net1", "net2"]);
    expect(s.findContainer("nobody")).toEqual([]);
    expect(() => s.findContainer("../x")).toThrowError(/Invalid container ID/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import {
  Netns,
  createNamedNetns,
  currentNetns,
  deleteNamedNetns,
  isNetnsPath,
  withNetns,
} from "../../lib/netns/index.ts";
import { TestNetns, uniqueName } from "../harness/index.ts";

const made: string[] = [];
afterEach(() => {
  for (const name of made.splice(0)) deleteNamedNetns(name);
});

function linkNamesHere(): string[] {
  return readFileSync("/proc/thread-self/net/dev", "utf8")
    .split("\n")
    .slice(2)
    .map((l) => l.split(":")[0]?.trim() ?? "")
    .filter(Boolean);
}

describe("lib/netns", () => {
  it("creates a named namespace that iproute2 sees, and deletes it without leaving a mount", () => {
    const name = uniqueName("ns");
    made.push(name);
    const path = createNamedNetns(name);
    expect(path).toBe(`/run/netns/${name}`);
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).toContain(name);
    expect(isNetnsPath(path)).toBe(true);
    // A fresh namespace holds only lo, down.
    const links = JSON.parse(execFileSync("ip", ["-n", name, "-j", "link", "show"], { encoding: "utf8" }));
    expect(links.map((l: { ifname: string }) => l.ifname)).toEqual(["lo"]);
    deleteNamedNetns(name);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(path);
  });

  it("refuses a name that is taken, and a name that is not a file name", () => {
    const name = uniqueName("ns");
    made.push(name);
    createNamedNetns(name);
    expect(() => createNamedNetns(name)).toThrowError(/EEXIST/);
    expect(() => createNamedNetns("../etc")).toThrowError(/Invalid namespace name/);
  });

  it("runs a synchronous section inside a namespace and comes back", () => {
    using ns = TestNetns.create("ns");
    ns.run("ip", ["link", "add", "btprobe0", "type", "veth", "peer", "name", "btprobe1"]);
    const inside = withNetns(ns.path, () => linkNamesHere());
    expect(inside).toContain("btprobe0");
    expect(linkNamesHere()).not.toContain("btprobe0");
    using here = currentNetns();
    using there = Netns.open(ns.path);
    expect(there.sameAs(here)).toBe(false);
    expect(withNetns(there, () => { using cur = currentNetns(); return cur.inode(); })).toBe(there.inode());
  });

  it("refuses an async section (it would continue in the wrong namespace)", () => {
    using ns = TestNetns.create("ns");
    expect(() => withNetns(ns.path, () => Promise.resolve(1))).toThrowError(/must be synchronous/);
    // And the thread is back home afterwards.
    using here = currentNetns();
    using there = Netns.open(ns.path);
    expect(here.sameAs(there)).toBe(false);
  });

  it("knows a namespace path from an ordinary file", () => {
    expect(isNetnsPath("/proc/self/ns/net")).toBe(true);
    expect(isNetnsPath("/etc/hostname")).toBe(false);
    expect(isNetnsPath("/run/netns/definitely-missing")).toBe(false);
  });
});

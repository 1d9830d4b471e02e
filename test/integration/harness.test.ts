/** The harness itself: namespaces come and go, and the leak check sees what stays behind. */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { TestNetns, diffSnapshots, takeSnapshot, uniqueName } from "../harness/index.ts";

describe("test harness", () => {
  it("makes unique names that fit an interface name", () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueName("veth")));
    expect(names.size).toBe(50);
    for (const n of names) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(15);
  });

  it("creates a namespace with lo up, and destroy removes it", () => {
    const ns = TestNetns.create("hx");
    expect(existsSync(ns.path)).toBe(true);
    const [lo] = ns.ipJson(["link", "show", "lo"]) as { flags: string[] }[];
    expect(lo?.flags).toContain("UP");
    ns.destroy();
    ns.destroy();
    expect(existsSync(ns.path)).toBe(false);
  });

  it("the leak check reports a namespace left behind, and nothing once it is gone", () => {
    const before = takeSnapshot();
    const ns = TestNetns.create("lk");
    try {
      const leaks = diffSnapshots(before, takeSnapshot());
      expect(leaks.join("\n")).toContain(ns.name);
      expect(leaks.join("\n")).toMatch(/namespaces: .*\n?mounts: /);
    } finally {
      ns.destroy();
    }
    expect(diffSnapshots(before, takeSnapshot())).toEqual([]);
  });
});

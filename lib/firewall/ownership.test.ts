import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { PortConflictError } from "./errors.ts";
import type { NftElement } from "./nft/values.ts";
import { renderElement } from "./nft/values.ts";
import { ElementOwnership, type ElementWriter, type OwnedState } from "./ownership.ts";
import { portState } from "./portmap.ts";
import { renderElementChanges } from "./nft/script-writer.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake kernel: the set of element texts currently present. */
class Kernel implements ElementWriter {
  readonly present = new Set<string>();
  apply(add: readonly NftElement[], remove: readonly NftElement[]): void {
    for (const e of add) this.present.add(`${e.set} ${renderElement(e)}`);
    for (const e of remove) for (const p of this.present) if (p.startsWith(`${e.set} ${renderElement({ set: e.set, key: e.key, ...(e.prefix === undefined ? {} : { prefix: e.prefix }) })}`)) this.present.delete(p);
  }
}

function setup() {
  const dir = mkdtempSync(`${tmpdir()}/berth-test-own-`);
  dirs.push(dir);
  return { owners: new ElementOwnership(dir), kernel: new Kernel() };
}

const publish = (ip: string, port: number, hostIP?: string): OwnedState =>
  portState({ owner: "x", info: { container: ip }, addresses: [`${ip}/24`], mappings: [{ protocol: "tcp", hostPort: port, containerPort: 80, ...(hostIP ? { hostIP } : {}) }], snat: true, masqAll: false });

describe("ElementOwnership", () => {
  it("keeps an element two owners share until the last lets go (ADD A x, ADD B x, DEL A)", () => {
    const { owners, kernel } = setup();
    owners.commit("A", publish("10.1.0.2", 8080), kernel);
    owners.commit("B", publish("10.1.0.3", 8081), kernel);
    expect(kernel.present).toContain("pm_nets4 10.1.0.0/24");
    owners.release("A", kernel);
    expect(kernel.present).toContain("pm_nets4 10.1.0.0/24");
    expect([...kernel.present].some((p) => p.includes("8080"))).toBe(false);
    owners.release("B", kernel);
    expect(kernel.present.size).toBe(0);
    expect(owners.release("B", kernel)).toBe(false);
  });

  it("refuses a taken host port naming the owner, before changing anything; every-address and one address collide", () => {
    const { owners, kernel } = setup();
    owners.commit("A", publish("10.1.0.2", 8080), kernel);
    const before = new Set(kernel.present);
    expect(() => owners.commit("B", publish("10.1.0.3", 8080, "192.0.2.1"), kernel)).toThrow(PortConflictError);
    expect(() => owners.commit("B", publish("10.1.0.3", 8080, "192.0.2.1"), kernel)).toThrow(/192\.0\.2\.1:8080\/tcp is already published by container 10\.1\.0\.2 \(as 8080\/tcp\)/);
    expect(kernel.present).toEqual(before);
    expect(owners.owned("B")).toBeUndefined();
    // Two different single addresses do not collide; the owner itself never does.
    owners.commit("C", publish("10.1.0.4", 9090, "192.0.2.1"), kernel);
    owners.commit("D", publish("10.1.0.5", 9090, "192.0.2.2"), kernel);
    owners.commit("C", publish("10.1.0.4", 9090, "192.0.2.1"), kernel);
    expect(() => owners.commit("E", publish("10.1.0.6", 9090), kernel)).toThrow(/already published/);
  });

  it("a commit replaces what the owner held: dropped elements go, ports are freed", () => {
    const { owners, kernel } = setup();
    owners.commit("A", publish("10.1.0.2", 8080), kernel);
    owners.commit("A", publish("10.1.0.2", 8081), kernel);
    expect([...kernel.present].some((p) => p.includes(". 8080 :"))).toBe(false);
    owners.commit("B", publish("10.1.0.3", 8080), kernel);
    expect(owners.owners("")).toEqual(expect.arrayContaining(["A", "B"]));
  });
});

describe("portState", () => {
  it("maps ranges port by port, per family, skipping the other family of a hostIP", () => {
    const s = portState({
      owner: "o",
      info: {},
      addresses: ["10.1.0.2/24", "fd00::2/64"],
      mappings: [{ protocol: "udp", hostPort: 5000, containerPort: 6000, range: 2 }, { protocol: "tcp", hostPort: 80, containerPort: 8080, hostIP: "::1" }],
      snat: true,
      masqAll: true,
    });
    const text = renderElementChanges(s.elements, []);
    expect(text).toContain("add element inet berth pm4_any { udp . 5000 : 10.1.0.2 . 6000, udp . 5001 : 10.1.0.2 . 6001 }");
    expect(text).toContain("add element inet berth pm6_any { udp . 5000 : fd00::2 . 6000, udp . 5001 : fd00::2 . 6001 }");
    expect(text).toContain("add element inet berth pm6_addr { tcp . ::1 . 80 : fd00::2 . 8080 }");
    expect(text).not.toContain("pm4_addr");
    expect(text).toContain("add element inet berth pm_nets4 { 10.1.0.0/24 }");
    expect(text).toContain("add element inet berth pm_masqall6 { fd00::2 }");
    expect(s.ports.map((p) => `${p.protocol}/${p.hostIP}/${p.hostPort}`)).toEqual(["udp//5000", "udp//5001", "tcp/::1/80"]);
  });

  it("rejects bad mappings naming them", () => {
    const bad = (m: object) => () => portState({ owner: "o", info: {}, addresses: ["10.1.0.2/24"], mappings: [m as never], snat: true, masqAll: false });
    expect(bad({ protocol: "tcp", hostPort: 0, containerPort: 80 })).toThrow(/hostPort must be an integer from 1 to 65535/);
    expect(bad({ protocol: "icmp", hostPort: 1, containerPort: 80 })).toThrow(/protocol must be tcp, udp or sctp/);
    expect(bad({ protocol: "tcp", hostPort: 65535, containerPort: 80, range: 2 })).toThrow(/range/);
    expect(bad({ protocol: "tcp", hostPort: 1, containerPort: 80, hostIP: "nope" })).toThrow(/hostIP "nope" is not an IP address/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { reapplyMasquerade } from "./firewall.ts";
import { ensureMasquerade, masqueradeChain, removeMasquerade, renderMasquerade } from "./masquerade.ts";
import { renderSkeleton } from "./skeleton.ts";

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(`${tmpdir()}/berth-test-fw-`);
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("masquerade rules", () => {
  it("renders one chain per network behind per-family verdict maps (rules do not grow with containers)", () => {
    const script = renderMasquerade({ network: "net-1", subnets: ["10.88.0.5/24", "fd00:88::2/64"] });
    const chain = masqueradeChain("net-1");
    expect(chain).toMatch(/^masq_net_1_[0-9a-f]{8}$/);
    expect(script).toContain(`  chain ${chain} { }`);
    expect(renderSkeleton()).toContain("add rule inet berth postrouting ip saddr vmap @masq_v4\n");
    expect(script).toContain(`add rule inet berth ${chain} ip saddr 10.88.0.0/24 ip daddr != 10.88.0.0/24 ip daddr != 224.0.0.0/4 masquerade comment "berth:net-1"\n`);
    expect(script).toContain(`add rule inet berth ${chain} ip6 saddr fd00:88::/64 ip6 daddr != fd00:88::/64 ip6 daddr != ff00::/8 masquerade`);
    expect(script).toContain(`add element inet berth masq_v4 { 10.88.0.0/24 : jump ${chain} }`);
    // Re-applying is idempotent: the chains are flushed before their rules are added.
    expect(script.indexOf(`flush chain inet berth ${chain}`)).toBeLessThan(script.indexOf(`add rule inet berth ${chain}`));
  });

  it("keeps chains of different networks apart, even when their names sanitise alike", () => {
    expect(masqueradeChain("a.b")).not.toBe(masqueradeChain("a_b"));
  });

  it("applies a network once; a later call with a covered subnet changes nothing; a new subnet re-applies all", () => {
    const dir = temp();
    const applied: string[] = [];
    const apply = (s: string) => void applied.push(s);
    expect(ensureMasquerade({ network: "n", subnets: ["10.1.0.2/24"] }, dir, apply)).toBe(true);
    // Another container of the same subnet: nothing to do, no nft process.
    expect(ensureMasquerade({ network: "n", subnets: ["10.1.0.3/24"] }, dir, apply)).toBe(false);
    expect(applied).toHaveLength(1);
    expect(ensureMasquerade({ network: "n", subnets: ["10.1.0.9/24", "fd00:1::5/64"] }, dir, apply)).toBe(true);
    expect(applied).toHaveLength(2);
    expect(applied[1]).toContain("ip saddr 10.1.0.0/24");
    expect(applied[1]).toContain("ip6 saddr fd00:1::/64");
  });

  it("applies again after a reboot (a record from another boot ID counts as none)", () => {
    const dir = temp();
    const applied: string[] = [];
    ensureMasquerade({ network: "n", subnets: ["10.1.0.2/24"] }, dir, (s) => void applied.push(s));
    const file = `${dir}/.firewall/masq-${masqueradeChain("n")}.json`;
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), bootId: "another-boot" }));
    expect(ensureMasquerade({ network: "n", subnets: ["10.1.0.2/24"] }, dir, (s) => void applied.push(s))).toBe(true);
    expect(applied).toHaveLength(2);
  });
});

describe("reapplyMasquerade", () => {
  it("applies every recorded network in one transaction, and nothing when there is no record", () => {
    const dir = temp();
    expect(reapplyMasquerade(dir, () => {})).toEqual([]);
    ensureMasquerade({ network: "a", subnets: ["10.1.0.2/24"] }, dir, () => {});
    ensureMasquerade({ network: "b", subnets: ["10.2.0.2/24"] }, dir, () => {});
    const applied: string[] = [];
    expect(reapplyMasquerade(dir, (s: string) => void applied.push(s)).sort()).toEqual(["a", "b"]);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toContain("ip saddr 10.1.0.0/24");
    expect(applied[0]).toContain("ip saddr 10.2.0.0/24");
    expect(applied[0]).toContain("add rule inet berth postrouting ip saddr vmap @masq_v4");
  });
});

describe("removeMasquerade", () => {
  it("keeps the network's rules while it is still used, and removes its elements and chain (once) when not", () => {
    const dir = temp();
    ensureMasquerade({ network: "n", subnets: ["10.1.0.2/24"] }, dir, () => {});
    const applied: string[] = [];
    expect(removeMasquerade("n", dir, () => true, (s) => void applied.push(s))).toBe(false);
    expect(applied).toEqual([]);
    // No live table here: the chain check finds none, so only the record goes.
    expect(removeMasquerade("n", dir, () => false, (s) => void applied.push(s))).toBe(true);
    expect(removeMasquerade("n", dir, () => false, (s) => void applied.push(s))).toBe(false);
    expect(ensureMasquerade({ network: "n", subnets: ["10.1.0.2/24"] }, dir, (s) => void applied.push(s))).toBe(true);
  });
});

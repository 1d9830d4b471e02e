/** The iptables backend's whole flows against an in-memory iptables (save/restore semantics, one transaction per table). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PortConflictError } from "../errors.ts";
import { makeIptablesBackend } from "./backend.ts";
import type { Family } from "./rules.ts";
import type { IptablesRunner } from "./session.ts";

const BUILT_IN: Record<string, string[]> = { raw: ["PREROUTING", "OUTPUT"], nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"], filter: ["INPUT", "FORWARD", "OUTPUT"] };
type Tables = Map<string, Map<string, string[]>>;

/** An iptables that keeps rules as the specs it was given and refuses what the real one refuses. */
class FakeIptables implements IptablesRunner {
  tables = new Map<Family, Tables>();
  restores = 0;

  #family(f: Family): Tables {
    let t = this.tables.get(f);
    if (t === undefined) this.tables.set(f, (t = new Map()));
    return t;
  }

  save(f: Family): string {
    let out = "";
    for (const [table, chains] of this.#family(f)) {
      out += `*${table}\n${[...chains.keys()].map((c) => `:${c} ${BUILT_IN[table]?.includes(c) ? "ACCEPT" : "-"} [0:0]\n`).join("")}`;
      for (const [chain, rules] of chains) out += rules.map((r) => `-A ${chain} ${r}\n`).join("");
      out += "COMMIT\n";
    }
    return out;
  }

  restore(f: Family, input: string): void {
    this.restores++;
    const tables = this.#family(f);
    let name = "";
    let work: Map<string, string[]> | undefined;
    const chain = (c: string) => work?.get(c) ?? fail(`chain ${c} does not exist`);
    const fail = (why: string): never => {
      throw new Error(`fake iptables-restore: ${why}`);
    };
    for (const line of input.split("\n").filter(Boolean)) {
      if (line.startsWith("*")) {
        name = line.slice(1);
        work = new Map([...(tables.get(name) ?? new Map(BUILT_IN[name]?.map((c) => [c, []]) ?? []))].map(([c, r]) => [c, [...r]]));
      } else if (line === "COMMIT") tables.set(name, work!);
      else if (line.startsWith(":")) work!.set(line.slice(1).split(" ")[0]!, []);
      else {
        const [op, c, ...rest] = line.split(" ");
        const rules = chain(c!);
        if (op === "-A") rules.push(rest.join(" "));
        else if (op === "-I") rules.unshift(rest.slice(1).join(" "));
        else if (op === "-D") {
          const i = rules.indexOf(rest.join(" "));
          if (i < 0) fail(`no rule to delete in ${c}`);
          rules.splice(i, 1);
        } else if (op === "-F") rules.length = 0;
        else if (op === "-X") {
          if ([...work!.values()].some((rs) => rs.some((r) => r.endsWith(`-j ${c}`)))) fail(`chain ${c} is referenced`);
          work!.delete(c!);
        }
      }
    }
  }

  rules(f: Family, table: string, chain: string): string[] {
    return this.tables.get(f)?.get(table)?.get(chain) ?? [];
  }
}

let dir: string;
let ipt: FakeIptables;
const backend = () => makeIptablesBackend({ runner: () => ipt, ifaceFamilies: () => [4, 6] });
const ctx = () => ({ stateDir: dir });
const req = (owner: string, address: string, hostPort: number) => ({ owner, info: { container: owner }, addresses: [address], mappings: [{ protocol: "tcp" as const, hostPort, containerPort: 80 }], snat: true, masqAll: false });

beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/berth-test-iptables-`);
  ipt = new FakeIptables();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the iptables backend", () => {
  it("publishes in one restore with the skeleton, a repeated ADD changes nothing, a taken port names its owner", () => {
    const b = backend();
    b.publishPorts(req("a", "10.88.0.2/24", 8080), ctx());
    expect(ipt.restores).toBe(1);
    expect(ipt.rules(4, "nat", "BERTH-HOSTPORTS")).toEqual([expect.stringMatching(/--dport 8080 .*--to-destination 10\.88\.0\.2:80$/)]);
    expect(ipt.rules(4, "nat", "PREROUTING")).toEqual([expect.stringMatching(/-j BERTH-PREROUTING$/)]);
    expect(ipt.tables.has(6)).toBe(false); // an IPv4-only container touches no ip6tables
    b.publishPorts(req("a", "10.88.0.2/24", 8080), ctx());
    expect(ipt.restores).toBe(1);
    expect(() => b.publishPorts(req("b", "10.88.0.3/24", 8080), ctx())).toThrow(PortConflictError);
    expect(() => b.publishPorts(req("b", "10.88.0.3/24", 8080), ctx())).toThrow(/8080\/tcp is already published by container a, backend iptables/);
    expect(ipt.restores).toBe(1);
  });

  it("a shared subnet rule goes with its last owner; DEL twice and DEL of a rule someone removed succeed", () => {
    const b = backend();
    b.publishPorts(req("a", "10.88.0.2/24", 8080), ctx());
    b.publishPorts(req("b", "10.88.0.3/24", 8081), ctx());
    const nets = () => ipt.rules(4, "nat", "BERTH-POSTROUTING").filter((r) => r.includes("pm_nets4"));
    expect(nets()).toHaveLength(1);
    ipt.tables.get(4)!.get("nat")!.get("BERTH-HOSTPORTS")!.length = 0; // an admin flushed the chain
    expect(b.missing("a", ctx())).toEqual([expect.stringMatching(/^pm4_any \{ tcp \. 8080 : 10\.88\.0\.2 \. 80 \}: rule "-A BERTH-HOSTPORTS .*" is missing from IPv4 table nat$/)]);
    expect(b.release("a", ctx())).toBe(true);
    expect(b.release("a", ctx())).toBe(false);
    expect(nets()).toHaveLength(1);
    expect(b.release("b", ctx())).toBe(true);
    expect(nets()).toEqual([]);
    expect(ipt.rules(4, "nat", "BERTH-POSTROUTING")).toEqual([expect.stringMatching(/berth: localhost to published ports/)]);
  });

  it("policy chains come with the first attachment of a network and go with its last, in both families", () => {
    const b = backend();
    const policy = { network: "net", icc: false, internal: false, isolate: true };
    b.applyPolicy("firewall/net/a", {}, policy, "br0", ctx());
    b.applyPolicy("firewall/net/b", {}, policy, "br0", ctx());
    for (const f of [4, 6] as const) {
      const chains = [...ipt.tables.get(f)!.get("filter")!.keys()].filter((c) => c.startsWith("BERTH-"));
      expect(chains.map((c) => c.replace(/-[0-9a-f]{8}$/, "-<hash>")).sort()).toEqual(["BERTH-F-net-<hash>", "BERTH-FORWARD", "BERTH-FROM", "BERTH-I-net-<hash>", "BERTH-ISOLATION", "BERTH-T-net-<hash>", "BERTH-TO", "BERTH-V-net-<hash>"]);
      expect(ipt.rules(f, "filter", "BERTH-FROM")).toHaveLength(1);
    }
    const icc = [...ipt.tables.get(4)!.get("filter")!.entries()].find(([c]) => c.startsWith("BERTH-V-"))!;
    expect(icc[1]).toEqual([expect.stringMatching(/-j DROP$/)]);
    b.releasePolicy("firewall/net/a", "net", "firewall/net/", ctx());
    expect(ipt.rules(4, "filter", "BERTH-FROM")).toHaveLength(1);
    b.releasePolicy("firewall/net/b", "net", "firewall/net/", ctx());
    for (const f of [4, 6] as const) {
      expect([...ipt.tables.get(f)!.get("filter")!.keys()].filter((c) => /^BERTH-[FTIV]-/.test(c))).toEqual([]);
      expect(ipt.rules(f, "filter", "BERTH-FROM")).toEqual([]);
    }
  });

  it("ipMasq once per network; CHECK sees it; repair after a reboot puts back every chain and rule", () => {
    const b = backend();
    expect(b.ensureMasquerade({ network: "net", subnets: ["10.88.0.2/24"] }, dir)).toBe(true);
    expect(b.ensureMasquerade({ network: "net", subnets: ["10.88.0.3/24"] }, dir)).toBe(false);
    expect(ipt.restores).toBe(1);
    expect(b.masqueradePresent({ network: "net", subnets: ["10.88.0.2/24"] }, dir)).toBe(true);
    b.publishPorts(req("a", "10.88.0.2/24", 8080), ctx());
    b.applyPolicy("firewall/net/a", {}, { network: "net", icc: true, internal: false, isolate: true }, "br0", ctx());
    const before = { v4: ipt.save(4), v6: ipt.save(6) };
    ipt.tables.clear(); // a reboot, or iptables -F and -X everywhere
    expect(b.masqueradePresent({ network: "net", subnets: ["10.88.0.2/24"] }, dir)).toBe(false);
    expect(b.missing("firewall/net/a", ctx()).join("\n")).toMatch(/chain BERTH-F-net-[0-9a-f]{8} is missing from IPv4 table filter/);
    expect(b.reapplyAll(ctx())).toEqual({ networks: ["net"] });
    const sorted = (t: string) => t.split("\n").sort();
    expect(sorted(ipt.save(4))).toEqual(sorted(before.v4));
    expect(sorted(ipt.save(6))).toEqual(sorted(before.v6));
    expect(b.missing("a", ctx())).toEqual([]);
  });
});

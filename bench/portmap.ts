/**
 * The port-publishing chain as a runtime runs it — bridge (+ host-local) then portmap with one
 * published port — berth against the reference Go plugins, side by side in one simulated host:
 * p50 of chain ADD and chain DEL with the first 10 and the last 10 of 100 containers attached,
 * and the firewall rule counts at n=10 and n=100 (berth: rules of table inet berth; the
 * reference: iptables rules in the nat table).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, TestNetns, REFERENCE_BIN } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

type Side = "berth" | "reference";

function bridgeConf(side: Side, dir: string): Record<string, unknown> {
  const ref = side === "reference";
  return {
    cniVersion: "1.0.0",
    name: `bench-pm-${side}`,
    type: "bridge",
    bridge: ref ? "brpmref" : "brpmberth",
    isGateway: true,
    ...(ref ? {} : { stateDir: `${dir}/state` }),
    ipam: { type: "host-local", dataDir: `${dir}/ipam-${side}`, ranges: [[{ subnet: ref ? "10.231.0.0/16" : "10.232.0.0/16" }]] },
  };
}

function portmapConf(side: Side, dir: string, port: number, prevResult: unknown): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: `bench-pm-${side}`,
    type: "portmap",
    ...(side === "berth" ? { stateDir: `${dir}/state` } : {}),
    capabilities: { portMappings: true },
    runtimeConfig: { portMappings: [{ hostPort: port, containerPort: 80, protocol: "tcp" }] },
    ...(prevResult === undefined ? {} : { prevResult }),
  };
}

function ruleCount(host: TestNetns, side: Side): number {
  if (side === "berth") return host.run("nft", ["-a", "list", "table", "inet", "berth"]).split("\n").filter((l) => /# handle \d+$/.test(l) && !/^\s*(chain|set|map|table)\b/.test(l.trim())).length;
  return host.run("iptables-save", ["-t", "nat"]).split("\n").filter((l) => l.startsWith("-A ")).length;
}

function runSide(side: Side, host: TestNetns, ctrs: TestNetns[], dir: string) {
  const ref = side === "reference";
  const call = (plugin: string, command: string, i: number, stdin: Record<string, unknown>) => {
    const out = execPlugin(plugin, {
      command,
      containerId: `bench-pm-${i}`,
      netns: ctrs[i]?.path,
      ifname: ref ? "eth0" : "eth1",
      stdin,
      host,
      ...(ref ? { binDir: REFERENCE_BIN, path: REFERENCE_BIN } : {}),
    });
    if (out.status !== 0) throw new Error(`${side} ${plugin} ${command} failed: ${out.stdout} ${out.stderr}`);
    return out;
  };
  const add: number[] = [];
  const rules: Record<number, number> = {};
  for (let i = 0; i < ctrs.length; i++) {
    const b = call("bridge", "ADD", i, bridgeConf(side, dir));
    const p = call("portmap", "ADD", i, portmapConf(side, dir, 40000 + i, b.json));
    add.push(b.elapsedMs + p.elapsedMs);
    if (i + 1 === 10 || i + 1 === 100) rules[i + 1] = ruleCount(host, side);
  }
  const del: number[] = [];
  for (let i = ctrs.length - 1; i >= 0; i--) {
    const p = call("portmap", "DEL", i, portmapConf(side, dir, 40000 + i, undefined));
    const b = call("bridge", "DEL", i, bridgeConf(side, dir));
    del[i] = p.elapsedMs + b.elapsedMs;
  }
  return { add, del, rules };
}

export function benchPortmap(host: TestNetns, count = 100): Row[] {
  const dir = mkdtempSync(`${tmpdir()}/berth-bench-`);
  const ctrs: TestNetns[] = [];
  try {
    for (let i = 0; i < count; i++) ctrs.push(TestNetns.create("bp"));
    const ours = runSide("berth", host, ctrs, dir);
    const theirs = runSide("reference", host, ctrs, dir);
    const p50 = (xs: number[], from: number, to: number) => median(xs.slice(from, to));
    const rows: Row[] = [];
    for (const [label, from, to] of [["n=1..10", 0, 10], ["n=91..100", 90, 100]] as const) {
      if (to > count) continue;
      for (const verb of ["add", "del"] as const) {
        const b = p50(ours[verb], from, to);
        const r = p50(theirs[verb], from, to);
        rows.push({ what: `bridge+portmap chain ${verb.toUpperCase()} p50, ${label}`, berth: ms(b), reference: ms(r), ratio: ratio(b, r), note: verb === "add" ? "goal <= 0.3x" : "goal <= 0.15x" });
      }
    }
    if (count >= 100) {
      const growth = (verb: "add" | "del") => (p50(ours[verb], 90, 100) / p50(ours[verb], 0, 10)).toFixed(2);
      rows.push({ what: "berth chain growth n=91..100 / n=1..10", berth: `ADD ${growth("add")}x`, reference: `DEL ${growth("del")}x`, ratio: "", note: "goal: no growth" });
    }
    for (const n of [10, 100]) {
      if (ours.rules[n] !== undefined) rows.push({ what: `firewall rules with ${n} containers publishing`, berth: String(ours.rules[n]), reference: String(theirs.rules[n]), ratio: "", note: "berth: nft rules; reference: iptables nat rules" });
    }
    return rows;
  } finally {
    for (const c of ctrs) c.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

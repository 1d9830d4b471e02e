/**
 * ADD and DEL of the interface plugins (with host-local), berth against the reference Go plugins,
 * run side by side in one simulated host: p50 of the exec'd plugin. For bridge also with 91..100
 * containers attached, so the growth of the per-call cost as the host fills up shows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, TestNetns, REFERENCE_BIN } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

type Kind = "bridge" | "ptp" | "macvlan";

interface Timings {
  add: number[];
  del: number[];
}

function config(kind: Kind, side: "berth" | "reference", dir: string): Record<string, unknown> {
  const ref = side === "reference";
  const subnet = `10.${kind === "bridge" ? 20 : kind === "ptp" ? 21 : 22}${ref ? 1 : 2}.0.0/16`;
  return {
    cniVersion: "1.0.0",
    name: `bench-${kind}-${side}`,
    type: kind,
    ...(kind === "bridge" ? { bridge: ref ? "brref" : "brberth", isGateway: true } : {}),
    ...(kind === "macvlan" ? { master: "bmaster0", mode: "bridge" } : {}),
    ...(ref ? {} : { stateDir: `${dir}/state` }),
    ipam: { type: "host-local", dataDir: `${dir}/ipam-${side}`, ranges: [[{ subnet }]] },
  };
}

function runSide(kind: Kind, host: TestNetns, ctrs: TestNetns[], dir: string, side: "berth" | "reference"): Timings {
  const ref = side === "reference";
  const conf = config(kind, side, dir);
  const call = (command: string, i: number) => {
    const out = execPlugin(kind, {
      command,
      containerId: `bench-${i}`,
      netns: ctrs[i]?.path,
      ifname: ref ? "eth0" : "eth1",
      stdin: conf,
      host,
      ...(ref ? { binDir: REFERENCE_BIN, path: REFERENCE_BIN } : {}),
    });
    if (out.status !== 0) throw new Error(`${side} ${kind} ${command} failed: ${out.stdout} ${out.stderr}`);
    return out.elapsedMs;
  };
  const add = ctrs.map((_, i) => call("ADD", i));
  const del: number[] = [];
  for (let i = ctrs.length - 1; i >= 0; i--) del[i] = call("DEL", i);
  return { add, del };
}

export function benchAttach(host: TestNetns, kind: Kind, count: number): Row[] {
  const dir = mkdtempSync(`${tmpdir()}/berth-bench-`);
  const ctrs: TestNetns[] = [];
  try {
    if (kind === "macvlan") {
      host.run("ip", ["link", "add", "bmaster0", "type", "veth", "peer", "name", "bmaster1"]);
      host.run("ip", ["link", "set", "bmaster0", "up"]);
    }
    for (let i = 0; i < count; i++) ctrs.push(TestNetns.create("bn"));
    const ours = runSide(kind, host, ctrs, dir, "berth");
    const theirs = runSide(kind, host, ctrs, dir, "reference");
    const p50 = (xs: number[], from: number, to: number) => median(xs.slice(from, to));
    const windows: [string, number, number][] = count >= 100 ? [["n=1..10", 0, 10], ["n=91..100", 90, 100]] : [[`n=1..${count}`, 0, count]];
    const rows: Row[] = [];
    for (const [label, from, to] of windows) {
      for (const verb of ["add", "del"] as const) {
        const b = p50(ours[verb], from, to);
        const r = p50(theirs[verb], from, to);
        rows.push({ what: `${kind} ${verb.toUpperCase()} p50, ${label} attached`, berth: ms(b), reference: ms(r), ratio: ratio(b, r), note: "goal <= 0.3x" });
      }
    }
    if (count >= 100) {
      const growth = (verb: "add" | "del") => (p50(ours[verb], 90, 100) / p50(ours[verb], 0, 10)).toFixed(2);
      rows.push({ what: `${kind} berth growth n=91..100 / n=1..10`, berth: `ADD ${growth("add")}x`, reference: `DEL ${growth("del")}x`, ratio: "", note: "goal <= 1.10x" });
    }
    return rows;
  } finally {
    for (const c of ctrs) c.destroy();
    if (kind === "macvlan") host.run("ip", ["link", "del", "bmaster0"]);
    rmSync(dir, { recursive: true, force: true });
  }
}

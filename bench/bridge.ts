/**
 * bridge + host-local ADD and DEL, berth against the reference Go plugins, run side by side in
 * one simulated host: p50 of the exec'd plugin with 1..10 containers attached and with 91..100,
 * so both the per-call cost and its growth as the host fills up show.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, TestNetns, REFERENCE_BIN } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

const COUNT = 100;

interface Timings {
  add: number[];
  del: number[];
}

function runSide(host: TestNetns, ctrs: TestNetns[], dir: string, side: "berth" | "reference"): Timings {
  const ref = side === "reference";
  const conf = {
    cniVersion: "1.0.0",
    name: `bench-${side}`,
    type: "bridge",
    bridge: ref ? "brref" : "brberth",
    isGateway: true,
    ...(ref ? {} : { stateDir: `${dir}/state` }),
    ipam: { type: "host-local", dataDir: `${dir}/ipam-${side}`, ranges: [[{ subnet: ref ? "10.201.0.0/16" : "10.202.0.0/16" }]] },
  };
  const call = (command: string, i: number) => {
    const out = execPlugin("bridge", {
      command,
      containerId: `bench-${i}`,
      netns: ctrs[i]?.path,
      ifname: ref ? "eth0" : "eth1",
      stdin: conf,
      host,
      ...(ref ? { binDir: REFERENCE_BIN, path: REFERENCE_BIN } : {}),
    });
    if (out.status !== 0) throw new Error(`${side} bridge ${command} failed: ${out.stdout} ${out.stderr}`);
    return out.elapsedMs;
  };
  const add = ctrs.map((_, i) => call("ADD", i));
  const del: number[] = [];
  for (let i = ctrs.length - 1; i >= 0; i--) del[i] = call("DEL", i);
  return { add, del };
}

export function benchBridge(host: TestNetns): Row[] {
  const dir = mkdtempSync(`${tmpdir()}/berth-bench-`);
  const ctrs: TestNetns[] = [];
  try {
    for (let i = 0; i < COUNT; i++) ctrs.push(TestNetns.create("bn"));
    const ours = runSide(host, ctrs, dir, "berth");
    const theirs = runSide(host, ctrs, dir, "reference");
    const p50 = (xs: number[], from: number, to: number) => median(xs.slice(from, to));
    const rows: Row[] = [];
    for (const [label, from, to] of [["n=1..10", 0, 10], ["n=91..100", 90, 100]] as const) {
      for (const verb of ["add", "del"] as const) {
        const b = p50(ours[verb], from, to);
        const r = p50(theirs[verb], from, to);
        rows.push({ what: `${verb.toUpperCase()} p50, ${label} attached`, berth: ms(b), reference: ms(r), ratio: ratio(b, r), note: "goal <= 0.3x" });
      }
    }
    const growth = (verb: "add" | "del") => p50(ours[verb], 90, 100) / p50(ours[verb], 0, 10);
    rows.push({ what: "berth growth n=91..100 / n=1..10", berth: `ADD ${growth("add").toFixed(2)}x`, reference: `DEL ${growth("del").toFixed(2)}x`, ratio: "", note: "goal <= 1.10x" });
    return rows;
  } finally {
    for (const c of ctrs) c.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

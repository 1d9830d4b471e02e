/**
 * The cost of creating a veth pair whose peer lands directly in another namespace:
 * berth's netlink layer (one RTM_NEWLINK with IFLA_NET_NS_FD on the peer, from a handle bound to
 * the simulated host) against `ip link add … netns …`, once per process as a plugin would
 * exec it, and with all creations in one `ip -batch` (the kernel's share without exec costs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { Netns } from "../lib/netns/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { TestNetns } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

const COUNT = 200;

function timeEach(count: number, fn: (i: number) => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  return times;
}

export function benchVeth(host: TestNetns): Row[] {
  const ctrA = TestNetns.create("ba");
  const ctrB = TestNetns.create("bb");
  const ctrC = TestNetns.create("bc");
  try {
    using peerNs = Netns.open(ctrA.path);
    using handle = openHandle(host.path);
    const ours = median(
      timeEach(COUNT, (i) => handle.linkAdd({ kind: "veth", name: `ba${i}`, peer: { name: `pa${i}`, netnsFd: peerNs.fd } })),
    );

    const perProcess = median(
      timeEach(COUNT, (i) => {
        const r = spawnSync("ip", ["-n", host.name, "link", "add", `bb${i}`, "type", "veth", "peer", "name", `pb${i}`, "netns", ctrB.name]);
        if (r.status !== 0) throw new Error(`ip link add failed: ${r.stderr}`);
      }),
    );

    const batch = Array.from({ length: COUNT }, (_, i) => `link add bc${i} type veth peer name pc${i} netns ${ctrC.name}`).join("\n");
    const t0 = performance.now();
    execFileSync("ip", ["-n", host.name, "-batch", "-"], { input: `${batch}\n` });
    const batched = (performance.now() - t0) / COUNT;

    // The peers really are in the container namespaces.
    if (!ctrA.linkNames().includes("pa0") || !ctrB.linkNames().includes("pb0")) {
      throw new Error("bench: veth peers did not land in the container namespace");
    }
    return [
      { what: "berth netlink vs `ip link add … netns` (a process each)", berth: ms(ours), reference: ms(perProcess), ratio: ratio(ours, perProcess) },
      { what: "berth netlink vs `ip -batch` (one process, mean)", berth: ms(ours), reference: ms(batched), ratio: ratio(ours, batched) },
    ];
  } finally {
    // Deleting a namespace deletes the veth ends in it, and with them their host-side peers.
    for (const ns of [ctrA, ctrB, ctrC]) ns.destroy();
  }
}

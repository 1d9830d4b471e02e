/**
 * `make bench`: berth against the reference Go plugins (Debian's containernetworking-plugins),
 * run side by side in one run, each inside a simulated host namespace. Prints ratios.
 */
import { existsSync } from "node:fs";
import { TestNetns } from "../test/harness/index.ts";
import { benchVersion, REFERENCE_DIR } from "./startup.ts";
import { benchVeth } from "./veth.ts";
import { benchAttach } from "./attach.ts";
import { benchPortmap } from "./portmap.ts";
import { benchUnpack } from "./unpack.ts";
import { benchPull } from "./pull.ts";
import { benchRuntime } from "./runtime.ts";
import { printTable } from "./stats.ts";

if (!existsSync(`${REFERENCE_DIR}/bridge`)) {
  console.error(`bench: the reference plugins are missing from ${REFERENCE_DIR}: apt-get install containernetworking-plugins`);
  process.exit(1);
}

const host = TestNetns.create("bh");
try {
  printTable("Plugin start-up (CNI_COMMAND=VERSION, hyperfine, median of 30)", benchVersion(host));
  printTable("Creating a veth pair with its peer in another namespace (median of 200)", benchVeth(host));
  printTable("bridge + host-local, exec'd in a simulated host (p50)", benchAttach(host, "bridge", 100));
  printTable("ptp and macvlan + host-local (p50)", [...benchAttach(host, "ptp", 20), ...benchAttach(host, "macvlan", 20)]);
  printTable("bridge + host-local + portmap (one published port), chain exec'd as a runtime does (p50)", benchPortmap(host, 100));
} finally {
  host.destroy();
}

console.log("\nUnpacking a multi-layer image: berth vs GNU tar (p50)");
for (const line of await benchUnpack()) console.log(`  ${line}`);

console.log("\nPulling a 3-layer image from a local registry: berth vs skopeo copy (p50)");
for (const line of await benchPull()) console.log(`  ${line}`);

printTable("The runtime: berth run against podman and bare runc (p50 of 10)", benchRuntime(10));

/**
 * Measures host-local call latency with and without berth's reservation index, in process.
 * Usage: node_modules/.bin/bun ipam/host-local/testdata/measure_index.ts [reservations...]
 * Prints one line per (reservations, mode, operation): median and p90 in milliseconds.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { hostLocalAdd, hostLocalDel } from "../host_local.ts";
import type { HostLocalOptions } from "../host_local.ts";

const sizes = process.argv.slice(2).map(Number);
const ROUNDS = 40;

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `median ${at(0.5).toFixed(3)} ms  p90 ${at(0.9).toFixed(3)} ms`;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

for (const n of sizes.length > 0 ? sizes : [100, 1000]) {
  for (const useIndex of [true, false]) {
    const dataDir = mkdtempSync(`${tmpdir()}/berth-test-measure-`);
    const config = { cniVersion: "1.1.0", name: "bench", ipam: { type: "host-local", dataDir, subnet: "10.8.0.0/16", cooldownSeconds: 0 } };
    const options: HostLocalOptions = { useIndex };
    const req = (id: string) => ({ config, containerId: id, ifname: "eth0" });
    for (let i = 0; i < n; i++) await hostLocalAdd(req(`fill-${i}`), options);
    const add: number[] = [];
    const again: number[] = [];
    const del: number[] = [];
    const miss: number[] = [];
    const outside: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      add.push(await time(() => hostLocalAdd(req(`probe-${r}`), options)));
      again.push(await time(() => hostLocalAdd(req(`probe-${r}`), options)));
      del.push(await time(() => hostLocalDel(req(`probe-${r}`), options)));
      miss.push(await time(() => hostLocalDel(req(`unknown-${r}`), options)));
    }
    for (let r = 0; r < ROUNDS; r++) {
      // A change made by someone else (as a reference ADD would) before the next ADD.
      writeFileSync(`${dataDir}/bench/10.8.255.${r + 1}`, `outside-${r}\r\neth0`);
      outside.push(await time(() => hostLocalAdd(req(`after-${r}`), options)));
      unlinkSync(`${dataDir}/bench/10.8.255.${r + 1}`);
      await hostLocalDel(req(`after-${r}`), options);
    }
    const mode = useIndex ? "index" : "scan ";
    process.stdout.write(`${String(n).padStart(5)} reserved, ${mode}: ADD ${stats(add)} | repeated ADD ${stats(again)} | DEL ${stats(del)} | DEL unknown ${stats(miss)} | ADD after outside change ${stats(outside)}\n`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

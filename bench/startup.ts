/**
 * Exec time of `CNI_COMMAND=VERSION`: berth's binary vs the reference Go plugin, each run
 * inside a simulated host namespace, timed by hyperfine (median of 30 runs, 3 warm-ups).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { TestNetns } from "../test/harness/index.ts";
import { CNI_BIN } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

export const REFERENCE_DIR = "/usr/lib/cni";

interface HyperfineResult {
  results: { command: string; times: number[] }[];
}

export function benchVersion(host: TestNetns): Row[] {
  const dir = mkdtempSync(`${tmpdir()}/berth-bench-`);
  try {
    const out = `${dir}/hyperfine.json`;
    const commands = [`${CNI_BIN}/loopback`, `${CNI_BIN}/none`, `${REFERENCE_DIR}/bridge`, `${REFERENCE_DIR}/loopback`];
    execFileSync(
      "nsenter",
      [`--net=${host.path}`, "--", "hyperfine", "-N", "--warmup", "3", "--runs", "30", "--style", "none", "--export-json", out, ...commands],
      { env: { ...process.env, CNI_COMMAND: "VERSION" }, stdio: ["ignore", "ignore", "inherit"] },
    );
    const data = JSON.parse(readFileSync(out, "utf8")) as HyperfineResult;
    const med = (i: number) => median((data.results[i]?.times ?? []).map((t) => t * 1000));
    const [berthLo, berthNone, goBridge, goLo] = [0, 1, 2, 3].map(med) as [number, number, number, number];
    return [
      { what: "VERSION exec, loopback vs Go bridge", berth: ms(berthLo), reference: ms(goBridge), ratio: ratio(berthLo, goBridge), note: "goal: berth <= 8 ms" },
      { what: "VERSION exec, none vs Go bridge", berth: ms(berthNone), reference: ms(goBridge), ratio: ratio(berthNone, goBridge) },
      { what: "VERSION exec, loopback vs Go loopback", berth: ms(berthLo), reference: ms(goLo), ratio: ratio(berthLo, goLo) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

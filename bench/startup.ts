/**
 * Exec time of `CNI_COMMAND=VERSION`: berth's binary vs the reference Go plugin, each run
 * inside a simulated host namespace, timed by hyperfine (median of 30 runs, 3 warm-ups).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { tmpdir } from "node:os";
import type { TestNetns } from "../test/harness/index.ts";
import { CNI_BIN } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

export const REFERENCE_DIR = "/usr/lib/cni";
const BUN = resolve(import.meta.dirname, "../node_modules/.bin/bun");

interface HyperfineResult {
  results: { command: string; times: number[] }[];
}

export function benchVersion(host: TestNetns): Row[] {
  const dir = mkdtempSync(`${tmpdir()}/berth-bench-`);
  try {
    const out = `${dir}/hyperfine.json`;
    const hello = `${dir}/hello`;
    // The floor: a compiled Bun binary that prints one line.
    writeFileSync(`${dir}/hello.ts`, 'console.log("{}");\n');
    execFileSync(BUN, ["build", `${dir}/hello.ts`, "--compile", "--minify", "--outfile", hello], { stdio: "ignore" });
    const commands = [`${CNI_BIN}/loopback`, `${CNI_BIN}/none`, `${REFERENCE_DIR}/bridge`, `${REFERENCE_DIR}/loopback`, hello];
    execFileSync(
      "nsenter",
      [`--net=${host.path}`, "--", "hyperfine", "-N", "--warmup", "3", "--runs", "30", "--style", "none", "--export-json", out, ...commands],
      { env: { ...process.env, CNI_COMMAND: "VERSION" }, stdio: ["ignore", "ignore", "inherit"] },
    );
    const data = JSON.parse(readFileSync(out, "utf8")) as HyperfineResult;
    const med = (i: number) => median((data.results[i]?.times ?? []).map((t) => t * 1000));
    const [berthLo, berthNone, goBridge, goLo, bunHello] = [0, 1, 2, 3, 4].map(med) as [number, number, number, number, number];
    return [
      { what: "VERSION exec, loopback vs Go bridge", berth: ms(berthLo), reference: ms(goBridge), ratio: ratio(berthLo, goBridge), note: "goal: berth <= 8 ms" },
      { what: "VERSION exec, none vs Go bridge", berth: ms(berthNone), reference: ms(goBridge), ratio: ratio(berthNone, goBridge) },
      { what: "VERSION exec, loopback vs Go loopback", berth: ms(berthLo), reference: ms(goLo), ratio: ratio(berthLo, goLo) },
      { what: "VERSION exec vs a Bun hello world (the floor)", berth: ms(berthLo), reference: ms(bunHello), ratio: ratio(berthLo, bunHello) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Running nft: one `nft -f -` process per transaction (atomic in the kernel), and listing.
 * node:child_process is loaded on first use only (~4-10 ms of start-up): a plugin call that only
 * changes elements never pays it.
 */
import type * as ChildProcessModule from "node:child_process";
import { FirewallError } from "../errors.ts";

type ChildProcess = typeof ChildProcessModule;

/** node:child_process, loaded synchronously when first needed. */
export function childProcess(): ChildProcess {
  return (process as unknown as { getBuiltinModule(id: string): ChildProcess }).getBuiltinModule("node:child_process");
}

function run(args: string[], input?: string): { error?: Error; status: number | null; stdout: string; stderr: string } {
  return childProcess().spawnSync("nft", args, { input, encoding: "utf8", timeout: 30_000 });
}

/** Run one nft transaction; throws with nft's own words. */
export function nftApply(script: string): void {
  const out = run(["-f", "-"], script);
  if (out.error) {
    const missing = (out.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new FirewallError(missing ? "nft is not installed: berth's firewall needs nftables (apt-get install nftables)" : `Cannot run nft: ${out.error.message}`, { cause: out.error });
  }
  if (out.status !== 0) throw new FirewallError(`nft refused berth's rules: ${out.stderr.trim()}`);
}

/** `nft list …` output, or undefined when nft says the object does not exist. */
export function nftList(args: string[]): string | undefined {
  const out = run(["list", ...args]);
  if (out.error) throw new FirewallError(`Cannot run nft: ${out.error.message}`, { cause: out.error });
  return out.status === 0 ? out.stdout : undefined;
}

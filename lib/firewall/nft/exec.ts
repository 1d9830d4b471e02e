/**
 * Running nft: one `nft -f -` process per transaction (atomic in the kernel), and listing.
 * node:child_process is loaded here only, on the paths that really change the table's shape.
 */
import { spawnSync } from "node:child_process";
import { FirewallError } from "../errors.ts";

/** Run one nft transaction; throws with nft's own words. */
export function nftApply(script: string): void {
  const out = spawnSync("nft", ["-f", "-"], { input: script, encoding: "utf8", timeout: 30_000 });
  if (out.error) {
    const missing = (out.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new FirewallError(missing ? "nft is not installed: berth's firewall needs nftables (apt-get install nftables)" : `Cannot run nft: ${out.error.message}`, { cause: out.error });
  }
  if (out.status !== 0) throw new FirewallError(`nft refused berth's rules: ${out.stderr.trim()}`);
}

/** `nft list …` output, or undefined when nft says the object does not exist. */
export function nftList(args: string[]): string | undefined {
  const out = spawnSync("nft", ["list", ...args], { encoding: "utf8", timeout: 30_000 });
  if (out.error) throw new FirewallError(`Cannot run nft: ${out.error.message}`, { cause: out.error });
  return out.status === 0 ? out.stdout : undefined;
}

/**
 * The one interface the plugins use, over plain serialisable requests, with two backends:
 * nftables (default: berth's table with maps and sets, constant rules) and iptables (for hosts
 * without nft). `chooseBackend` explains its choice so plugins can log it.
 */
import { existsSync } from "node:fs";
import { FirewallError } from "./errors.ts";
import { applyPolicy, missingElements, ownedBy, reapplyAll, release, releasePolicy, publishPorts, type FirewallContext } from "./firewall.ts";
import { childProcess, nftList } from "./nft/exec.ts";
import { TABLE } from "./skeleton.ts";
import { ensureMasquerade, masqueradePresent, type MasqueradeRequest } from "./masquerade.ts";
import { renderElement } from "./nft/values.ts";
import type { OwnedState } from "./ownership.ts";
import type { NetworkPolicy } from "./policy.ts";
import type { PublishRequest } from "./portmap.ts";

export type BackendName = "nftables" | "iptables";

export interface FirewallBackend {
  readonly name: BackendName;
  /** ipMasq: masquerade what leaves the network's subnets (once per network; true when it changed something). */
  ensureMasquerade(req: MasqueradeRequest, stateDir: string): boolean;
  masqueradePresent(req: MasqueradeRequest, stateDir: string): boolean;
  /** Publish an owner's ports (replacing what it published before); PortConflictError names a taken port's owner. */
  publishPorts(req: PublishRequest, ctx: FirewallContext): OwnedState;
  /** Put one host-side interface of a network under the network's policy. */
  applyPolicy(owner: string, info: Record<string, string>, policy: NetworkPolicy, iface: string, ctx: FirewallContext): OwnedState;
  /** Give up everything an owner holds; false when it held nothing (DEL twice is fine). */
  release(owner: string, ctx: FirewallContext): boolean;
  /** Like release, and the network's policy chains go with its last owner (owners named `ownerPrefix…`). */
  releasePolicy(owner: string, network: string, ownerPrefix: string, ctx: FirewallContext): boolean;
  /** What the owner's record holds that the live ruleset lacks, in words (for CHECK). */
  missing(owner: string, ctx: FirewallContext): string[];
  /** Put every recorded rule back (after a flush or a firewall reload); returns the networks named. */
  reapplyAll(ctx: FirewallContext): { networks: string[] };
}

export const nftablesBackend: FirewallBackend = {
  name: "nftables",
  ensureMasquerade: (req, stateDir) => ensureMasquerade(req, stateDir),
  masqueradePresent: (req) => masqueradePresent(req),
  publishPorts,
  applyPolicy,
  release,
  releasePolicy,
  missing: (owner, ctx) => {
    const missing = missingElements(owner, ctx).map((e) => `${e.set} { ${renderElement(e)} }`);
    // A policy owner's chains: named by the fw_from element's jump target.
    for (const e of ownedBy(owner, ctx)?.elements ?? []) {
      const chain = e.set === "fw_from" && !Array.isArray(e.data) ? e.data?.chain : undefined;
      if (chain !== undefined && nftList(["chain", "inet", TABLE, chain]) === undefined) missing.push(`chain ${chain}`);
    }
    return missing;
  },
  reapplyAll,
};

/** Whether `nft` runs and the kernel answers it (a listing succeeds): for doctor-style checks. */
export function nftUsable(): boolean {
  const out = childProcess().spawnSync("nft", ["list", "tables"], { encoding: "utf8", timeout: 10_000 });
  return out.error === undefined && out.status === 0;
}

/** Whether an `nft` executable is on PATH (a file check: the plugins' hot path spawns nothing to decide). */
export function nftInstalled(): boolean {
  const dirs = (process.env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  return dirs.some((d) => d !== "" && existsSync(`${d}/nft`));
}

const backends: Partial<Record<BackendName, () => Promise<FirewallBackend>>> = {
  nftables: async () => nftablesBackend,
};

/** Register a backend implementation (the iptables one registers itself from its module). */
export function registerBackend(name: BackendName, load: () => Promise<FirewallBackend>): void {
  backends[name] = load;
}

/**
 * The backend for a plugin's `backend` key: the one asked for, else nftables when nft works,
 * else iptables. Throws naming the key's value when the asked-for one is unknown or unusable.
 */
export async function chooseBackend(requested: string | undefined): Promise<{ backend: FirewallBackend; reason: string }> {
  if (requested !== undefined && requested !== "") {
    if (requested !== "nftables" && requested !== "iptables") throw new FirewallError(`unknown firewall backend ${JSON.stringify(requested)}: choose "nftables" or "iptables"`);
    const load = backends[requested];
    if (load === undefined) throw new FirewallError(`the ${requested} backend is not available in this build of berth`);
    return { backend: await load(), reason: `backend ${requested} asked for in the config` };
  }
  if (nftInstalled()) return { backend: nftablesBackend, reason: "nft is installed (the default)" };
  const load = backends.iptables;
  if (load === undefined) throw new FirewallError("nft does not work here and berth has no iptables backend: install nftables (apt-get install nftables)");
  return { backend: await load(), reason: "nft is missing or unusable here, so iptables" };
}

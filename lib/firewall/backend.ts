/**
 * The one interface the plugins use, over plain serialisable requests, with two backends:
 * nftables (default: berth's table with maps and sets, constant rules) and iptables (for hosts
 * without nft, or when asked; lib/firewall/iptables/, loaded lazily). `chooseBackend` explains
 * its choice so plugins can log it.
 */
import { existsSync } from "node:fs";
import { FirewallError } from "./errors.ts";
import { applyPolicy, missingElements, ownedBy, reapplyAll, release, releasePolicy, publishPorts } from "./firewall.ts";
import { childProcess } from "./nft/exec.ts";
import { chainExists } from "./nft/netlink-chains.ts";
import { ensureMasquerade, masqueradePresent, removeMasquerade } from "./masquerade.ts";
import { renderElement } from "./nft/values.ts";
import type { BackendName, FirewallBackend } from "./backend-interface.ts";

export type { BackendName, FirewallBackend } from "./backend-interface.ts";

export const nftablesBackend: FirewallBackend = {
  name: "nftables",
  ensureMasquerade: (req, stateDir) => ensureMasquerade(req, stateDir),
  masqueradePresent: (req) => masqueradePresent(req),
  removeMasquerade: (network, stateDir, stillUsed) => removeMasquerade(network, stateDir, stillUsed),
  publishPorts,
  applyPolicy,
  release,
  releasePolicy,
  missing: (owner, ctx) => {
    const missing = missingElements(owner, ctx).map((e) => `${e.set} { ${renderElement(e)} }`);
    // A policy owner's chains: named by the fw_from element's jump target.
    for (const e of ownedBy(owner, ctx)?.elements ?? []) {
      const chain = e.set === "fw_from" && !Array.isArray(e.data) ? e.data?.chain : undefined;
      if (chain !== undefined && !chainExists(chain)) missing.push(`chain ${chain}`);
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

/** The iptables backend and its installation check, loaded only when chosen (nothing of it on the nft path). */
const iptablesModule = () => import("./iptables/index.ts");

const backends: Partial<Record<BackendName, () => Promise<FirewallBackend>>> = {
  nftables: async () => nftablesBackend,
  iptables: async () => (await iptablesModule()).iptablesBackend,
};

/** Register (or replace) a backend implementation. */
export function registerBackend(name: BackendName, load: () => Promise<FirewallBackend>): void {
  backends[name] = load;
}

/**
 * The backend for a plugin's `backend` key: the one asked for, else nftables when nft is
 * installed, else iptables (its flavour, legacy or nft, detected on first use). Throws naming
 * the key's value when the asked-for one is unknown or unusable, and what to install when none is.
 */
export async function chooseBackend(requested: string | undefined): Promise<{ backend: FirewallBackend; reason: string }> {
  if (requested !== undefined && requested !== "") {
    if (requested !== "nftables" && requested !== "iptables") throw new FirewallError(`unknown firewall backend ${JSON.stringify(requested)}: choose "nftables" or "iptables"`);
    const load = backends[requested];
    if (load === undefined) throw new FirewallError(`the ${requested} backend is not available in this build of berth`);
    if (requested === "iptables" && !(await iptablesModule()).iptablesInstalled()) {
      throw new FirewallError('backend "iptables" is asked for, but no iptables-restore is installed: install iptables (apt-get install iptables) or choose "nftables"');
    }
    return { backend: await load(), reason: `backend ${requested} asked for in the config` };
  }
  if (nftInstalled()) return { backend: nftablesBackend, reason: "nft is installed (the default)" };
  const load = backends.iptables;
  if (load === undefined || !(await iptablesModule()).iptablesInstalled()) {
    throw new FirewallError("neither nft nor iptables-restore is installed: install nftables (apt-get install nftables), or iptables (apt-get install iptables)");
  }
  return { backend: await load(), reason: "nft is not installed here, so iptables" };
}

/**
 * The interface both firewall backends implement (in its own file so a backend module can name
 * it without importing the chooser that loads it).
 */
import type { FirewallContext } from "./firewall.ts";
import type { MasqueradeRequest } from "./masquerade.ts";
import type { OwnedState } from "./ownership.ts";
import type { NetworkPolicy } from "./policy.ts";
import type { PublishRequest } from "./portmap.ts";

export type BackendName = "nftables" | "iptables";

export interface FirewallBackend {
  readonly name: BackendName;
  /** ipMasq: masquerade what leaves the network's subnets (once per network; true when it changed something). */
  ensureMasquerade(req: MasqueradeRequest, stateDir: string): boolean;
  masqueradePresent(req: MasqueradeRequest, stateDir: string): boolean;
  /**
   * The network's masquerade goes, when `stillUsed()` — asked under the firewall lock — says no
   * attachment of it is left. Backends without it keep the network's rules until repair/reboot.
   */
  removeMasquerade?(network: string, stateDir: string, stillUsed: () => boolean): boolean;
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

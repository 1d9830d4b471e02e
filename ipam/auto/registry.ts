/**
 * The subnets berth chose automatically, one small file per network, under one lock: the first
 * call for a network picks a subnet, and every later call (and every other process) reuses it.
 * Choosing under the lock also keeps two new networks from picking the same subnet at once.
 *
 * Layout: <dir>/<network>.json = {"v4": "172.19.0.0/16", "v6"?: "...", "chosenAt": "..."}; <dir>/.lock
 */
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { formatCidr, parseCidr, type Cidr } from "../../lib/ip/index.ts";
import { FileLock, writeFileAtomic } from "../../lib/store/index.ts";
import { chooseSubnet, type InUse, type Rejection } from "./pools.ts";

export type Family = "v4" | "v6";

interface Entry {
  v4?: string;
  v6?: string;
  chosenAt: string;
}

export interface AutoSubnet {
  subnet: Cidr;
  /** True when an earlier call had already chosen it. */
  reused: boolean;
  /** Candidates passed over on a new choice, with the reason (for the caller's log). */
  rejected: Rejection[];
}

export class NoFreeSubnetError extends Error {
  readonly rejected: Rejection[];
  constructor(network: string, family: Family, rejected: Rejection[]) {
    super(
      `No free ${family === "v4" ? "IPv4" : "IPv6"} subnet for network ${JSON.stringify(network)}: every candidate of the address pools overlaps a host address, route, nameserver or another network; add a pool (ipam.pools) or set ipam.ranges`,
    );
    this.name = "NoFreeSubnetError";
    this.rejected = rejected;
  }
}

export class SubnetRegistry {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #file(network: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(network)) throw new TypeError(`Invalid network name ${JSON.stringify(network)}`);
    return `${this.dir}/${network}.json`;
  }

  #read(network: string): Entry | undefined {
    try {
      return JSON.parse(readFileSync(this.#file(network), "utf8")) as Entry;
    } catch {
      return undefined; // missing or corrupt: choose again
    }
  }

  /** The subnet recorded for a network, if any (no lock: records are replaced atomically). */
  recorded(network: string, family: Family): Cidr | undefined {
    const text = this.#read(network)?.[family];
    return text === undefined ? undefined : parseCidr(text);
  }

  /** Every other network's recorded subnets, as things a new choice must not overlap. */
  #others(network: string): InUse[] {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: InUse[] = [];
    for (const f of files) {
      if (!f.endsWith(".json") || f === `${network}.json`) continue;
      const other = f.slice(0, -5);
      const entry = this.#read(other);
      for (const fam of ["v4", "v6"] as const) {
        const text = entry?.[fam];
        if (text !== undefined) out.push({ cidr: parseCidr(text), reason: `subnet of network "${other}"` });
      }
    }
    return out;
  }

  /**
   * The network's subnet of `family`: the recorded one, or a new choice from `pools` that
   * overlaps nothing in `hostInUse()` (called only when a choice is needed) nor another network.
   */
  subnetFor(
    network: string,
    family: Family,
    pools: readonly { base: Cidr; size: number }[],
    hostInUse: () => InUse[],
  ): AutoSubnet {
    const fast = this.recorded(network, family);
    if (fast !== undefined) return { subnet: fast, reused: true, rejected: [] };
    using _lock = FileLock.acquire(`${this.dir}/.lock`);
    const entry = this.#read(network);
    const again = entry?.[family];
    if (again !== undefined) return { subnet: parseCidr(again), reused: true, rejected: [] };
    const choice = chooseSubnet(pools, [...hostInUse(), ...this.#others(network)]);
    if (choice.subnet === undefined) throw new NoFreeSubnetError(network, family, choice.rejected);
    const next: Entry = { ...entry, [family]: formatCidr(choice.subnet), chosenAt: new Date().toISOString() };
    writeFileAtomic(this.#file(network), `${JSON.stringify(next)}\n`, { mode: 0o644, mkdirMode: 0o755 });
    return { subnet: choice.subnet, reused: false, rejected: choice.rejected };
  }

  /** Forget a network's automatic subnets (when the network is removed). */
  forget(network: string): void {
    using _lock = FileLock.acquire(`${this.dir}/.lock`);
    try {
      unlinkSync(this.#file(network));
    } catch {
      // Already gone.
    }
  }
}

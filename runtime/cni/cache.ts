/**
 * The result cache, in libcni's format and place (`<cacheDir>/results/<network>-<container>-<ifname>`,
 * kind "cniCacheV1"), so DEL and CHECK get the ADD result as prevResult, and GC finds the
 * attachments of a network. Identity is read from the JSON, not the file name.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { writeFileAtomic } from "../../lib/store/index.ts";

export interface CacheEntry {
  kind: "cniCacheV1";
  containerId: string;
  ifName: string;
  networkName: string;
  netns: string;
  /** base64 of the conflist bytes (Go's []byte encoding). */
  config: string;
  cniArgs: [string, string][];
  capabilityArgs: Record<string, unknown>;
  result: Record<string, unknown>;
}

export class ResultCache {
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = `${cacheDir}/results`;
  }

  #file(network: string, containerId: string, ifname: string): string {
    return `${this.dir}/${network}-${containerId}-${ifname}`;
  }

  /** Atomic, not fsynced (as libcni's): an entry describes kernel state that a power loss wipes anyway. */
  write(entry: CacheEntry): void {
    writeFileAtomic(this.#file(entry.networkName, entry.containerId, entry.ifName), JSON.stringify(entry), { mode: 0o600, mkdirMode: 0o700, durable: false });
  }

  /** The entry, undefined when there is none; a corrupt file is removed and counts as none (cni#1072). */
  read(network: string, containerId: string, ifname: string): CacheEntry | undefined {
    const file = this.#file(network, containerId, ifname);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(text) as CacheEntry;
      if (e.kind === "cniCacheV1" && typeof e.result === "object") return e;
    } catch {
      // fall through
    }
    rmSync(file, { force: true });
    return undefined;
  }

  remove(network: string, containerId: string, ifname: string): void {
    rmSync(this.#file(network, containerId, ifname), { force: true });
  }

  /** Every entry of a network. */
  list(network: string): CacheEntry[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.startsWith(`${network}-`));
    } catch {
      return [];
    }
    const out: CacheEntry[] = [];
    for (const f of files) {
      try {
        const e = JSON.parse(readFileSync(`${this.dir}/${f}`, "utf8")) as CacheEntry;
        if (e.kind === "cniCacheV1" && e.networkName === network) out.push(e);
      } catch {
        // Not an entry of ours.
      }
    }
    return out;
  }
}

/**
 * Attachment records: what an ADD created for one (network, container ID, ifname), kept on disk
 * so DEL and GC can tear it down from the record alone — with an empty or vanished CNI_NETNS,
 * without prevResult and without runtimeConfig.
 *
 * A plugin writes the record *before* it creates each resource (an intent log), then updates it;
 * so a plugin killed at any point leaves a record naming everything that may exist, and teardown
 * treats "already gone" as success.
 *
 * Layout: <root>/<network>/<containerID>/<ifname>.json, written atomically. Network names,
 * container IDs and ifnames are validated by the CNI layer before they reach here; this module
 * still refuses path separators so a bad caller can never write outside the root.
 */
import { readdirSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { writeFileAtomic } from "./atomic.ts";
import { FileLock } from "./lock.ts";

/** Default root of berth's attachment records (BERTH_STATE_DIR or a config's stateDir override it). */
export const DEFAULT_STATE_DIR = "/var/lib/berth/cni";

export interface AttachmentKey {
  network: string;
  containerId: string;
  ifname: string;
}

export interface AttachmentRecord<R = unknown> extends AttachmentKey {
  /** The plugin type that made it (bridge, ptp, ...). */
  plugin: string;
  /** CNI_NETNS at ADD time (may be gone by DEL time). */
  netns?: string;
  /** When ADD began (ISO time) and the boot it happened in. */
  createdAt: string;
  bootId?: string;
  /** "adding" while ADD runs; "ready" once it printed its result. */
  state: "adding" | "ready";
  /** The plugin's own description of every resource it created or is about to create. */
  resources: R;
}

function component(kind: string, value: string): string {
  if (value === "" || value === "." || value === ".." || value.includes("/") || value.includes("\0")) {
    throw new TypeError(`Invalid ${kind} ${JSON.stringify(value)} for an attachment record`);
  }
  return value;
}

let bootIdCache: string | undefined;
/** The kernel's boot ID: records and reservations stamped with another one predate a reboot. */
export function bootId(): string {
  bootIdCache ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return bootIdCache;
}

export class AttachmentStore {
  readonly root: string;

  constructor(root: string = DEFAULT_STATE_DIR) {
    this.root = root;
  }

  networkDir(network: string): string {
    return `${this.root}/${component("network name", network)}`;
  }

  path(key: AttachmentKey): string {
    return `${this.networkDir(key.network)}/${component("container ID", key.containerId)}/${component("ifname", key.ifname)}.json`;
  }

  /** The per-network lock: held for read-modify-write of shared per-network state and by GC. */
  lock(network: string, timeoutMs?: number): FileLock {
    return FileLock.acquire(`${this.networkDir(network)}/.lock`, timeoutMs === undefined ? {} : { timeoutMs });
  }

  write<R>(record: AttachmentRecord<R>): void {
    // Atomic (a killed writer leaves the old record or the new one) but not fsynced: records
    // describe kernel state that a power loss wipes anyway, and an fsync costs ~1 ms per write.
    writeFileAtomic(this.path(record), `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
  }

  /** The record, or undefined when there is none (a corrupt record reads as absent). */
  read<R>(key: AttachmentKey): AttachmentRecord<R> | undefined {
    let text: string;
    try {
      text = readFileSync(this.path(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as AttachmentRecord<R>;
    } catch {
      return undefined;
    }
  }

  /**
   * Remove the record (and the container's directory when it empties); missing is fine.
   * Temporary files of an interrupted write of this record (a process killed mid-write) go too.
   */
  remove(key: AttachmentKey): void {
    const file = this.path(key);
    const dir = file.slice(0, file.lastIndexOf("/"));
    const tmpPrefix = `.${key.ifname}.json.tmp-`;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return; // no directory: nothing recorded
    }
    for (const name of [`${key.ifname}.json`, ...names.filter((n) => n.startsWith(tmpPrefix))]) {
      try {
        unlinkSync(`${dir}/${name}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (another ifname of the same container) or already gone.
    }
  }

  /** Every record of one container, on any network (one lookup per network directory). */
  findContainer(containerId: string): AttachmentRecord[] {
    component("container ID", containerId);
    let networks: string[];
    try {
      networks = readdirSync(this.root);
    } catch {
      return [];
    }
    const out: AttachmentRecord[] = [];
    for (const network of networks) {
      if (network.startsWith(".")) continue;
      let files: string[];
      try {
        files = readdirSync(`${this.root}/${network}/${containerId}`);
      } catch {
        continue;
      }
      for (const f of files) {
        if (!f.endsWith(".json") || f.startsWith(".")) continue;
        const record = this.read({ network, containerId, ifname: f.slice(0, -5) });
        if (record !== undefined) out.push(record);
      }
    }
    return out;
  }

  /** Every record key of a network (one directory listing per container: no file reads). */
  list(network: string): AttachmentKey[] {
    const dir = this.networkDir(network);
    const keys: AttachmentKey[] = [];
    let containers: string[];
    try {
      containers = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    for (const containerId of containers) {
      if (containerId.startsWith(".")) continue;
      let files: string[];
      try {
        files = readdirSync(`${dir}/${containerId}`);
      } catch {
        continue;
      }
      for (const f of files) {
        if (f.endsWith(".json") && !f.startsWith(".")) keys.push({ network, containerId, ifname: f.slice(0, -5) });
      }
    }
    return keys;
  }
}

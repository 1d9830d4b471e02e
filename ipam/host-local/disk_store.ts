/**
 * The disk Store: the reference plugin's directory layout (see disk_format.ts), guarded by the
 * same flock on `<dir>/lock`, so berth and the reference host-local binary can share a
 * network directory and exclude each other.
 *
 * berth keeps an index in `.berth/state.json` so a call needs no read of every reservation
 * file. The index is trusted only while the directory looks exactly as berth left it (same
 * inode, mtime and reservation names); anything else, such as a reference ADD or DEL in
 * between, makes the next call re-read the files. Addresses returned from the index for an
 * owner, and files about to be deleted, are re-read first, so a stale index can neither hand
 * back a lost address nor delete someone else's reservation.
 */
import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatIp, tryParseIp, unmapIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import { FileLock, LockTimeoutError, writeFileAtomic } from "../../lib/store/index.ts";
import { IpamCode, IpamError } from "../shared/errors.ts";
import {
  LAST_RESERVED_PREFIX,
  LOCK_FILE,
  META_DIR,
  STATE_FILE,
  decodeState,
  encodeState,
  formatReservation,
  isLeftoverTemp,
  parseReservation,
  reservationAddress,
} from "./disk_format.ts";
import type { DiskState } from "./disk_format.ts";
import { createExclusive, isErrno, readBootId, unlinkIfPresent } from "./disk_files.ts";
import { StoredReservation, View, isBookkeeping } from "./disk_view.ts";
import { normalizeOwner } from "./store.ts";
import type { Owner, Reservation, Store, StoreTx, TransactionOptions } from "./store.ts";

export interface DiskStoreOptions {
  /** The current boot (default: /proc/sys/kernel/random/boot_id). */
  readonly bootId?: string;
  readonly now?: () => number;
  /** How long release times are remembered, i.e. the cool-down (default 0). */
  readonly keepReleasesMs?: number;
  readonly lockTimeoutMs?: number;
  /** Use the index (default true); false re-reads every reservation file in every call. */
  readonly useIndex?: boolean;
  /** fsync reservation files (default false: reservations do not outlive a boot anyway). */
  readonly durable?: boolean;
  readonly onDiagnostic?: (message: string) => void;
}

/** What the last transaction's load did, for tests and measurements. */
export interface LoadInfo {
  /** The index was used as it was, without reading the reservation files. */
  readonly trustedIndex: boolean;
  /** Reservation files read during the transaction. */
  readonly filesRead: number;
}

export class DiskStore implements Store {
  /** `<dataDir>/<network>` */
  readonly dir: string;
  readonly network: string;
  lastLoad: LoadInfo = { trustedIndex: false, filesRead: 0 };
  readonly #bootId: string;
  readonly #now: () => number;
  readonly #options: DiskStoreOptions;

  constructor(dataDir: string, network: string, options: DiskStoreOptions = {}) {
    this.dir = join(dataDir, network);
    this.network = network;
    this.#bootId = options.bootId ?? readBootId();
    this.#now = options.now ?? Date.now;
    this.#options = options;
  }

  transaction<T>(fn: (tx: StoreTx) => T, options: TransactionOptions = {}): T {
    const lock = this.#lock();
    try {
      const [view, trusted] = this.#load(options.fullScan === true);
      try {
        return fn(this.#tx(view));
      } finally {
        this.#persist(view);
        this.lastLoad = { trustedIndex: trusted, filesRead: view.filesRead };
      }
    } finally {
      lock.release();
    }
  }

  #lock(): FileLock {
    const net = JSON.stringify(this.network);
    try {
      return FileLock.acquire(join(this.dir, LOCK_FILE), { timeoutMs: this.#options.lockTimeoutMs ?? 30_000 });
    } catch (err) {
      if (err instanceof LockTimeoutError) {
        throw new IpamError(IpamCode.tryAgainLater, `Address state of network ${net} is locked by another process`, { cause: err });
      }
      throw new IpamError(IpamCode.ioFailure, `Cannot open the address state directory ${JSON.stringify(this.dir)} of network ${net}`, { cause: err });
    }
  }

  #diag(message: string): void {
    this.#options.onDiagnostic?.(message);
  }

  #readState(): DiskState | undefined {
    try {
      return decodeState(readFileSync(join(this.dir, META_DIR, STATE_FILE), "utf8"));
    } catch {
      return undefined;
    }
  }

  /** Make the view agree with the file `key`; returns its live reservation, if any. */
  #refresh(view: View, key: string): Reservation | undefined {
    if (view.verified.has(key)) return view.reservations.get(key);
    view.verified.add(key);
    let text: string;
    try {
      text = readFileSync(join(this.dir, key), "utf8");
      view.filesRead++;
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
      if (view.reservations.has(key) || view.corrupt.has(key)) view.dirty = true;
      view.remove(key);
      view.corrupt.delete(key);
      return undefined;
    }
    const parsed = parseReservation(text);
    const known = view.reservations.get(key);
    if (parsed === undefined) {
      if (known !== undefined || !view.corrupt.has(key)) view.dirty = true;
      view.remove(key);
      view.corrupt.add(key);
      return undefined;
    }
    if (known !== undefined && known.containerId === parsed.containerId && known.ifname === parsed.ifname) return known;
    const r = new StoredReservation(key, parsed.containerId, parsed.ifname);
    view.add(key, r);
    view.dirty = true;
    return r;
  }

  #load(fullScan: boolean): [View, boolean] {
    const now = this.#now();
    const st = statSync(this.dir, { bigint: true });
    let previous = this.#readState();
    const names = new Set<string>();
    let leftovers = 0;
    for (const name of readdirSync(this.dir)) {
      if (isBookkeeping(name)) {
        if (isLeftoverTemp(name)) {
          unlinkIfPresent(join(this.dir, name)); // we hold the lock: no write is in flight
          leftovers++;
        }
      } else if (previous !== undefined && Object.hasOwn(previous.reservations, name)) {
        names.add(name); // known to the index: no need to parse it
      } else if (reservationAddress(name) !== undefined) {
        names.add(name);
      }
    }
    if (leftovers > 0) this.#diag(`Removed ${leftovers} temporary files left by an interrupted write in network ${JSON.stringify(this.network)}`);

    const view = new View();
    if (previous !== undefined && previous.bootId !== "" && this.#bootId !== "" && previous.bootId !== this.#bootId) {
      this.#releaseStale(view, previous, names);
      previous = undefined;
    }
    const trusted =
      previous !== undefined &&
      this.#options.useIndex !== false &&
      !fullScan &&
      leftovers === 0 &&
      previous.dirIno === String(st.ino) &&
      previous.dirMtimeNs === String(st.mtimeNs) &&
      previous.corrupt.length + Object.keys(previous.reservations).length === names.size &&
      previous.corrupt.every((n) => names.has(n)) &&
      Object.keys(previous.reservations).every((n) => names.has(n));

    if (trusted && previous !== undefined) {
      for (const [key, [containerId, ifname]] of Object.entries(previous.reservations)) {
        view.insert(key, new StoredReservation(key, containerId, ifname));
      }
      for (const n of previous.corrupt) view.corrupt.add(n);
    } else {
      for (const name of names) this.#refresh(view, name);
      if (previous !== undefined) {
        // Reservations that vanished were released by someone else: start their cool-down now.
        for (const key of Object.keys(previous.reservations)) {
          if (!view.reservations.has(key) && previous.released[key] === undefined) view.released.set(key, now);
        }
      }
      view.dirty = true;
    }
    for (const [key, at] of Object.entries(previous?.released ?? {})) view.released.set(key, at);
    for (const [key, at] of view.released) {
      if (view.reservations.has(key) || now - at >= (this.#options.keepReleasesMs ?? 0)) {
        view.released.delete(key);
        view.dirty = true;
      }
    }
    return [view, trusted];
  }

  /** After a reboot: free what the index listed in the previous boot and is still there unchanged. */
  #releaseStale(view: View, previous: DiskState, names: Set<string>): void {
    let freed = 0;
    for (const [key, [containerId, ifname]] of Object.entries(previous.reservations)) {
      if (!names.has(key)) continue;
      let text: string;
      try {
        text = readFileSync(join(this.dir, key), "utf8");
        view.filesRead++;
      } catch {
        continue;
      }
      const now = parseReservation(text);
      if (now === undefined || now.containerId !== containerId || now.ifname !== ifname) continue;
      unlinkIfPresent(join(this.dir, key));
      names.delete(key);
      freed++;
    }
    if (freed > 0) this.#diag(`Released ${freed} reservations of network ${JSON.stringify(this.network)} made before the last reboot`);
  }

  #persist(view: View): void {
    if (!view.dirty) return;
    try {
      const meta = join(this.dir, META_DIR);
      mkdirSync(meta, { recursive: true, mode: 0o755 });
      const st = statSync(this.dir, { bigint: true }); // after every change to the directory
      const reservations: Record<string, [string] | [string, string]> = {};
      for (const [key, r] of view.reservations) reservations[key] = r.ifname === undefined ? [r.containerId] : [r.containerId, r.ifname];
      const state: DiskState = {
        version: 1,
        bootId: this.#bootId,
        dirIno: String(st.ino),
        dirMtimeNs: String(st.mtimeNs),
        reservations,
        corrupt: [...view.corrupt],
        released: Object.fromEntries(view.released),
      };
      writeFileAtomic(join(meta, STATE_FILE), encodeState(state), { mode: 0o644, durable: false });
    } catch (err) {
      // The index is a cache: a stale one is detected and rebuilt by the next call.
      this.#diag(`Cannot save the reservation index of network ${JSON.stringify(this.network)}: ${(err as Error).message}`);
    }
  }

  #tx(view: View): StoreTx {
    const dir = this.dir;
    const live = (keys: Iterable<string> | undefined): Reservation[] =>
      [...(keys ?? [])].map((k) => this.#refresh(view, k)).filter((r): r is Reservation => r !== undefined);
    const changed = (): void => void (view.dirty = true);
    return {
      get: (ip) => view.reservations.get(formatIp(ip)),
      reserve: (ip: IpAddress, owner: Owner, index: number) => {
        const key = formatIp(ip);
        if (view.reservations.has(key)) return false;
        const o = normalizeOwner(owner);
        const content = formatReservation(o);
        const path = join(dir, key);
        changed();
        let created = false;
        // A file known as junk is re-read first: only junk may be overwritten.
        if (view.corrupt.has(key) && this.#refresh(view, key) !== undefined) return false;
        if (!view.corrupt.has(key)) {
          created = createExclusive(path, content, this.#options.durable === true);
          if (!created) {
            // The index missed this file: learn it, and take the address only if the file is junk.
            if (this.#refresh(view, key) !== undefined) {
              this.#diag(`Reservation file ${JSON.stringify(path)} was missing from the index of network ${JSON.stringify(this.network)}`);
              return false;
            }
            if (!view.corrupt.has(key) && !(created = createExclusive(path, content, this.#options.durable === true))) return false;
          }
        }
        if (!created) writeFileAtomic(path, content, { mode: 0o600, durable: this.#options.durable === true });
        view.add(key, new StoredReservation(key, o.containerId, o.ifname));
        view.released.delete(key);
        writeFileAtomic(join(dir, `${LAST_RESERVED_PREFIX}${index}`), key, { mode: 0o600, durable: false });
        return true;
      },
      release: (ip, coolDown = true) => {
        const key = formatIp(ip);
        const known = view.reservations.get(key);
        if (known === undefined) return false;
        const actual = this.#refresh(view, key);
        if (actual === undefined) return false; // already gone
        if (actual.containerId !== known.containerId || actual.ifname !== known.ifname) {
          this.#diag(`Not releasing ${key} in network ${JSON.stringify(this.network)}: it now belongs to container ${JSON.stringify(actual.containerId)}`);
          return false;
        }
        unlinkIfPresent(join(dir, key));
        view.remove(key);
        if (coolDown) view.released.set(key, this.#now());
        changed();
        return true;
      },
      lastReserved: (index) => {
        try {
          const ip = tryParseIp(readFileSync(join(dir, `${LAST_RESERVED_PREFIX}${index}`), "utf8").trim());
          return ip && unmapIp(ip);
        } catch {
          return undefined;
        }
      },
      findByOwner: (owner) => {
        const o = normalizeOwner(owner);
        const found = live(view.keysOf(o.containerId, o.ifname));
        return found.filter((r) => r.containerId === o.containerId && r.ifname === o.ifname);
      },
      findLegacy: (containerId) => {
        const cid = containerId.trim();
        return live(view.keysOf(cid, undefined)).filter((r) => r.containerId === cid && r.ifname === undefined);
      },
      list: () => [...view.reservations.values()],
      releasedAt: (ip) => view.released.get(formatIp(ip)),
      purgeCorrupt: () => {
        const names = [...view.corrupt];
        for (const n of names) unlinkIfPresent(join(dir, n));
        view.corrupt.clear();
        if (names.length > 0) changed();
        return names;
      },
    };
  }
}

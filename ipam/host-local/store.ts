/**
 * The Store interface between the pure allocator and where reservations live
 * (disk_store.ts for real use, memory_store.ts for tests).
 *
 * Every read and write happens inside transaction(), which holds the store's lock for the
 * whole call, so one ADD sees and changes a consistent view across all of its range sets.
 */
import type { IpAddress } from "../../lib/ip/index.ts";

/** Who holds a reservation: one attachment. */
export interface Owner {
  readonly containerId: string;
  readonly ifname: string;
}

export interface Reservation {
  readonly ip: IpAddress;
  readonly containerId: string;
  /** undefined for files written by old reference versions (container ID only). */
  readonly ifname: string | undefined;
}

export interface StoreTx {
  /** The live reservation of `ip`, if any. */
  get(ip: IpAddress): Reservation | undefined;
  /**
   * Reserve `ip` for `owner` and remember it as the last address reserved in range set
   * `rangeSetIndex` (round-robin start). False when the address is already reserved.
   */
  reserve(ip: IpAddress, owner: Owner, rangeSetIndex: number): boolean;
  /**
   * Drop a reservation. `coolDown` (default true) records the release time. False when there
   * was nothing to release (or the file turned out to belong to someone else by now).
   */
  release(ip: IpAddress, coolDown?: boolean): boolean;
  /** The last address reserved in range set `rangeSetIndex`, if recorded. */
  lastReserved(rangeSetIndex: number): IpAddress | undefined;
  /** Reservations held by exactly (containerId, ifname). */
  findByOwner(owner: Owner): Reservation[];
  /** Legacy reservations (no ifname recorded) of a container. */
  findLegacy(containerId: string): Reservation[];
  /** Every live reservation. */
  list(): Reservation[];
  /** When `ip` was last released (ms since the epoch), while that is remembered. */
  releasedAt(ip: IpAddress): number | undefined;
  /** Remove leftovers that count as free (empty or corrupt files); returns their names. */
  purgeCorrupt(): string[];
}

export interface TransactionOptions {
  /** Re-read every reservation instead of trusting any cached index (GC does this). */
  readonly fullScan?: boolean;
}

export interface Store {
  transaction<T>(fn: (tx: StoreTx) => T, options?: TransactionOptions): T;
}

/** Normalise an owner like the reference does (the container ID is trimmed). */
export function normalizeOwner(owner: Owner): Owner {
  return { containerId: owner.containerId.trim(), ifname: owner.ifname };
}

export function sameOwner(r: Reservation, owner: Owner): boolean {
  return r.containerId === owner.containerId.trim() && r.ifname === owner.ifname;
}

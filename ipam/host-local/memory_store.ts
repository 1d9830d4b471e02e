/**
 * An in-memory Store with the same semantics as the disk store, for allocator tests.
 */
import { formatIp, parseIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import { normalizeOwner, sameOwner } from "./store.ts";
import type { Owner, Reservation, Store, StoreTx } from "./store.ts";

export interface MemoryStoreOptions {
  readonly now?: () => number;
}

export class MemoryStore implements Store {
  readonly reservations = new Map<string, Reservation>();
  readonly lastReservedByIndex = new Map<number, IpAddress>();
  readonly releaseTimes = new Map<string, number>();
  readonly #now: () => number;
  #inTransaction = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Seed a reservation directly (tests). `ifname` undefined makes a legacy entry. */
  seed(ip: string, containerId: string, ifname: string | undefined): void {
    const addr = parseIp(ip);
    this.reservations.set(formatIp(addr), { ip: addr, containerId, ifname });
  }

  transaction<T>(fn: (tx: StoreTx) => T): T {
    if (this.#inTransaction) throw new Error("MemoryStore transactions do not nest");
    this.#inTransaction = true;
    try {
      return fn(this.#tx());
    } finally {
      this.#inTransaction = false;
    }
  }

  #tx(): StoreTx {
    const res = this.reservations;
    return {
      get: (ip) => res.get(formatIp(ip)),
      reserve: (ip, owner: Owner, index) => {
        const key = formatIp(ip);
        if (res.has(key)) return false;
        const o = normalizeOwner(owner);
        res.set(key, { ip, containerId: o.containerId, ifname: o.ifname });
        this.lastReservedByIndex.set(index, ip);
        this.releaseTimes.delete(key);
        return true;
      },
      release: (ip, coolDown = true) => {
        const key = formatIp(ip);
        if (!res.delete(key)) return false;
        if (coolDown) this.releaseTimes.set(key, this.#now());
        return true;
      },
      lastReserved: (index) => this.lastReservedByIndex.get(index),
      findByOwner: (owner) => [...res.values()].filter((r) => sameOwner(r, owner)),
      findLegacy: (containerId) => [...res.values()].filter((r) => r.ifname === undefined && r.containerId === containerId.trim()),
      list: () => [...res.values()],
      releasedAt: (ip) => this.releaseTimes.get(formatIp(ip)),
      purgeCorrupt: () => [],
    };
  }
}

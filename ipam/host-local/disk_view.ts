/**
 * The disk store's in-memory picture of a network directory during one transaction.
 */
import { parseIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import { LAST_RESERVED_PREFIX, LOCK_FILE } from "./disk_format.ts";
import type { Reservation } from "./store.ts";

const ownerKey = (containerId: string, ifname: string | undefined): string => `${containerId}\n${ifname ?? ""}\n${ifname === undefined ? 0 : 1}`;

/** The in-memory picture of the directory during one transaction. */
export class View {
  readonly reservations = new Map<string, Reservation>();
  readonly byOwner = new Map<string, Set<string>>();
  readonly corrupt = new Set<string>();
  /** Files read in this transaction: under the lock they cannot change again. */
  readonly verified = new Set<string>();
  released = new Map<string, number>();
  dirty = false;
  filesRead = 0;

  add(key: string, r: Reservation): void {
    this.remove(key);
    this.corrupt.delete(key);
    this.insert(key, r);
  }

  /** add() for a key known to be absent (loading). */
  insert(key: string, r: Reservation): void {
    this.reservations.set(key, r);
    const k = ownerKey(r.containerId, r.ifname);
    let set = this.byOwner.get(k);
    if (set === undefined) this.byOwner.set(k, (set = new Set()));
    set.add(key);
  }

  /** Keys of the reservations held by (containerId, ifname); ifname undefined = legacy entries. */
  keysOf(containerId: string, ifname: string | undefined): Set<string> | undefined {
    return this.byOwner.get(ownerKey(containerId, ifname));
  }

  remove(key: string): void {
    const r = this.reservations.get(key);
    if (r === undefined) return;
    this.reservations.delete(key);
    this.byOwner.get(ownerKey(r.containerId, r.ifname))?.delete(key);
  }
}

/** A reservation whose address is parsed from its file name only when asked for. */
export class StoredReservation implements Reservation {
  readonly key: string;
  readonly containerId: string;
  readonly ifname: string | undefined;
  #ip: IpAddress | undefined;
  constructor(key: string, containerId: string, ifname: string | undefined) {
    this.key = key;
    this.containerId = containerId;
    this.ifname = ifname;
  }
  get ip(): IpAddress {
    return (this.#ip ??= parseIp(this.key));
  }
}

/** Directory entries that are never reservations: no need to parse them. */
export function isBookkeeping(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(".") || name.startsWith(LAST_RESERVED_PREFIX);
}

/**
 * Who owns which element of berth's sets and maps, kept in the state directory under the
 * firewall lock. An element two attachments need (a subnet two containers share, a bridge two
 * policies name) is deleted from the kernel only when its last owner lets go — the answer to
 * "ADD A with IP x, ADD B with IP x, DEL A". A host port has exactly one owner: a second claim
 * fails naming the first, before anything is changed.
 *
 * The store is written before the kernel: a process killed in between leaves a record that
 * names elements the kernel may lack, which DEL (deletes ignore absent elements), CHECK
 * (reports them) and repair (adds them) all handle; never kernel state nobody records.
 *
 *   <stateDir>/.firewall/owners/<owner>.json            what one owner holds
 *   <stateDir>/.firewall/refs/<element>.json            an element and its owners
 *   <stateDir>/.firewall/ports/<proto>-<port>/<address>  the owner of a published host port
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { FileLock, writeFileAtomic } from "../store/index.ts";
import { PortConflictError } from "./errors.ts";
import { type NftElement, elementId } from "./nft/values.ts";
import { firewallDir } from "./skeleton.ts";

export interface PortClaim {
  protocol: "tcp" | "udp" | "sctp";
  /** The host address, or "" for every address. */
  hostIP: string;
  hostPort: number;
}

export interface OwnedState {
  /** Who this is, for messages to whoever collides with it (network, container ID, ifname). */
  info: Record<string, string>;
  elements: NftElement[];
  ports: PortClaim[];
}

/** Applies element changes to the kernel in one transaction; absent elements are not errors when deleting. */
export interface ElementWriter {
  apply(add: readonly NftElement[], remove: readonly NftElement[]): void;
}

function fileKey(s: string): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(s)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `${s.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 80)}-${h.toString(16).padStart(8, "0")}`;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

interface RefRecord {
  id: string;
  element: NftElement;
  owners: string[];
}

function claimAddress(c: PortClaim): string {
  return c.hostIP === "" ? "any" : c.hostIP.replace(/:/g, "_");
}

export function describePort(c: PortClaim): string {
  return `${c.hostIP === "" ? "" : c.hostIP.includes(":") ? `[${c.hostIP}]:` : `${c.hostIP}:`}${c.hostPort}/${c.protocol}`;
}

export class ElementOwnership {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = firewallDir(stateDir);
  }

  lock(): FileLock {
    return FileLock.acquire(`${this.dir}/.lock`);
  }

  #ownerFile(owner: string): string {
    return `${this.dir}/owners/${fileKey(owner)}.json`;
  }

  #refFile(id: string): string {
    return `${this.dir}/refs/${fileKey(id)}.json`;
  }

  #portDir(c: PortClaim): string {
    return `${this.dir}/ports/${c.protocol}-${c.hostPort}`;
  }

  owned(owner: string): OwnedState | undefined {
    return readJson<OwnedState & { owner: string }>(this.#ownerFile(owner));
  }

  /** The owner of a host port that `claim` collides with, if another than `self`. */
  #conflict(claim: PortClaim, self: string): { owner: string; port: PortClaim } | undefined {
    let taken: string[];
    try {
      taken = readdirSync(this.#portDir(claim));
    } catch {
      return undefined;
    }
    const mine = claimAddress(claim);
    for (const address of taken) {
      // Every-address collides with any address; a given address with itself and with every-address.
      if (mine !== "any" && address !== "any" && address !== mine) continue;
      let holder: string;
      try {
        holder = readFileSync(`${this.#portDir(claim)}/${address}`, "utf8").trim();
      } catch {
        continue;
      }
      if (holder !== self && holder !== "") {
        const hostIP = address === "any" ? "" : address.replace(/_/g, ":");
        return { owner: holder, port: { ...claim, hostIP } };
      }
    }
    return undefined;
  }

  /**
   * Make `owner` hold exactly `desired`: check its ports, record, then one kernel transaction
   * adding every desired element (adds are idempotent, so this also repairs) and deleting
   * elements nobody holds any more. The caller holds the lock.
   */
  commit(owner: string, desired: OwnedState, writer: ElementWriter): void {
    for (const port of desired.ports) {
      const hit = this.#conflict(port, owner);
      if (hit) {
        const other = this.owned(hit.owner);
        const who = other ? Object.entries(other.info).map(([k, v]) => `${k} ${v}`).join(", ") : hit.owner;
        throw new PortConflictError(`host port ${describePort(port)} is already published by ${who} (as ${describePort(hit.port)})`, hit.owner);
      }
    }
    const before = this.owned(owner);
    const wanted = new Map(desired.elements.map((e) => [elementId(e), e]));
    const orphaned = this.#drop(owner, (before?.elements ?? []).filter((e) => !wanted.has(elementId(e))));
    writeFileAtomic(this.#ownerFile(owner), `${JSON.stringify({ owner, ...desired })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
    for (const [id, element] of wanted) {
      const file = this.#refFile(id);
      const ref = readJson<RefRecord>(file);
      if (ref?.owners.includes(owner)) continue;
      writeFileAtomic(file, `${JSON.stringify({ id, element, owners: [...(ref?.owners ?? []), owner] })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
    }
    for (const port of before?.ports ?? []) {
      if (!desired.ports.some((p) => describePort(p) === describePort(port))) this.#unclaim(port, owner);
    }
    for (const port of desired.ports) {
      mkdirSync(this.#portDir(port), { recursive: true, mode: 0o700 });
      writeFileSync(`${this.#portDir(port)}/${claimAddress(port)}`, owner, { mode: 0o600 });
    }
    writer.apply([...wanted.values()], orphaned);
  }

  /** Let go of everything `owner` holds; returns false when it held nothing. The caller holds the lock. */
  release(owner: string, writer: ElementWriter): boolean {
    const before = this.owned(owner);
    if (before === undefined) return false;
    const orphaned = this.#drop(owner, before.elements);
    writer.apply([], orphaned);
    for (const port of before.ports) this.#unclaim(port, owner);
    rmSync(this.#ownerFile(owner), { force: true });
    return true;
  }

  /** The owners whose name starts with `prefix` (for GC; reads every owner record). */
  owners(prefix: string): string[] {
    let files: string[];
    try {
      files = readdirSync(`${this.dir}/owners`).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    return files.flatMap((f) => {
      const r = readJson<{ owner?: unknown }>(`${this.dir}/owners/${f}`);
      return typeof r?.owner === "string" && r.owner.startsWith(prefix) ? [r.owner] : [];
    });
  }

  /** Every element some owner holds (for repair after a flush), leaving out those only `skip` owners hold. */
  allElements(skip: ReadonlySet<string> = new Set()): NftElement[] {
    let files: string[];
    try {
      files = readdirSync(`${this.dir}/refs`).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    return files.flatMap((f) => {
      const r = readJson<RefRecord>(`${this.dir}/refs/${f}`);
      return r && r.owners.some((o) => !skip.has(o)) ? [r.element] : [];
    });
  }

  /** Remove `owner` from these elements' owner lists; returns those left with no owner. */
  #drop(owner: string, elements: readonly NftElement[]): NftElement[] {
    const orphaned: NftElement[] = [];
    for (const element of elements) {
      const id = elementId(element);
      const file = this.#refFile(id);
      const ref = readJson<RefRecord>(file);
      const rest = (ref?.owners ?? []).filter((o) => o !== owner);
      if (rest.length === 0) {
        orphaned.push(element);
        rmSync(file, { force: true });
      } else if (ref !== undefined && rest.length !== ref.owners.length) {
        writeFileAtomic(file, `${JSON.stringify({ ...ref, owners: rest })}\n`, { mode: 0o600, durable: false });
      }
    }
    return orphaned;
  }

  #unclaim(port: PortClaim, owner: string): void {
    const file = `${this.#portDir(port)}/${claimAddress(port)}`;
    try {
      if (readFileSync(file, "utf8").trim() === owner) rmSync(file, { force: true });
      rmdirSync(this.#portDir(port));
    } catch {
      // Gone already, or other addresses of the port are still claimed.
    }
  }
}

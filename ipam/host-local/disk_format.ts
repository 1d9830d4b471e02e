/**
 * The on-disk formats of a host-local network directory `<dataDir>/<network>/`.
 *
 * Shared with the reference plugin (byte-compatible):
 *   <ip>                  one file per reservation, named by the canonical address
 *                         ("10.1.0.5", "fd00::5"), content "<containerID>\r\n<ifname>"
 *                         (older versions wrote only "<containerID>")
 *   last_reserved_ip.<N>  the last address reserved in range set N (round-robin start)
 *   lock                  flock(2)ed by both implementations around every change
 *
 * berth's own, ignored by the reference:
 *   .berth/state.json     the reservation index, the boot ID and release times (see DiskState)
 */
import { formatIp, isIpv4Mapped, tryParseIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import type { Owner } from "./store.ts";

export const LINE_BREAK = "\r\n";
export const LAST_RESERVED_PREFIX = "last_reserved_ip.";
export const LOCK_FILE = "lock";
export const META_DIR = ".berth";
export const STATE_FILE = "state.json";

/** Content of a reservation file, exactly as the reference writes it (no trailing newline). */
export function formatReservation(owner: Owner): string {
  return `${owner.containerId.trim()}${LINE_BREAK}${owner.ifname}`;
}

/** What a reservation file says; undefined when it is empty or unreadable (counts as free). */
export function parseReservation(text: string): { containerId: string; ifname: string | undefined } | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const parts = t.split(LINE_BREAK);
  if (parts.length > 2 || parts.some((p) => p === "" || /[\u0000-\u001f\u007f]/.test(p))) return undefined;
  return { containerId: parts[0] as string, ifname: parts[1] };
}

/** The address a directory entry reserves, if its name is a canonical address. */
export function reservationAddress(name: string): IpAddress | undefined {
  const ip = tryParseIp(name);
  if (ip === undefined || isIpv4Mapped(ip) || formatIp(ip) !== name) return undefined;
  return ip;
}

/** Temporary files of an interrupted atomic write (".<name>.tmp-<pid>-<seq>"). */
export function isLeftoverTemp(name: string): boolean {
  return /^\..+\.tmp-\d+-\d+$/.test(name);
}

/**
 * berth's index of one network directory. It is trusted only while the directory's inode,
 * mtime and set of reservation names are what they were when it was written; otherwise the
 * reservation files are re-read. `bootId` is the boot in which every listed reservation was
 * seen live: after a reboot, reservations still listed unchanged are released.
 */
export interface DiskState {
  readonly version: 1;
  readonly bootId: string;
  readonly dirIno: string;
  readonly dirMtimeNs: string;
  /** Canonical address → [containerID] or [containerID, ifname]. */
  readonly reservations: Record<string, [string] | [string, string]>;
  /** Names of reservation files that are empty or corrupt (free, overwritten on reserve). */
  readonly corrupt: string[];
  /** Canonical address → release time (ms since the epoch), for the cool-down. */
  readonly released: Record<string, number>;
}

export function encodeState(state: DiskState): string {
  return `${JSON.stringify(state)}\n`;
}

/** Parse state.json; undefined when missing pieces or of another version (then it is rebuilt). */
export function decodeState(text: string): DiskState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const s = v as Partial<DiskState>;
  if (s.version !== 1 || typeof s.bootId !== "string") return undefined;
  if (typeof s.dirIno !== "string" || typeof s.dirMtimeNs !== "string") return undefined;
  if (typeof s.reservations !== "object" || s.reservations === null || !Array.isArray(s.corrupt)) return undefined;
  if (typeof s.released !== "object" || s.released === null) return undefined;
  for (const [name, owner] of Object.entries(s.reservations)) {
    if (!/^[0-9a-f.:]+$/.test(name)) return undefined; // a cheap shape check; names are parsed on use
    if (!Array.isArray(owner) || owner.length < 1 || owner.length > 2) return undefined;
    if (!owner.every((x) => typeof x === "string")) return undefined;
  }
  if (!s.corrupt.every((x) => typeof x === "string")) return undefined;
  if (!Object.values(s.released).every((x) => typeof x === "number")) return undefined;
  return s as DiskState;
}

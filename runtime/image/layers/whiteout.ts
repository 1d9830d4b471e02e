/**
 * The two ways a layer hides what is below it, in both forms berth meets them:
 * in a layer tar (OCI/docker: `.wh.NAME` files, `.wh..wh..opq` in a directory) and on disk in
 * overlayfs form (a 0/0 character device NAME, the `trusted.overlay.opaque="y"` xattr).
 */
import type { Stats } from "node:fs";
import { sys, S_IFCHR } from "../../../native/index.ts";

export const WHITEOUT_PREFIX = ".wh.";
/** Marks its directory opaque: nothing from lower layers shows through. */
export const OPAQUE_MARKER = ".wh..wh..opq";
/** Other `.wh..wh.` names are aufs internals (hard link dirs and such); docker skips them. */
export const META_PREFIX = ".wh..wh.";
export const OPAQUE_XATTR = "trusted.overlay.opaque";
/** Overlay's own xattrs: never taken from a layer tar, never written into one (but opaque). */
export const OVERLAY_XATTR_PREFIX = "trusted.overlay.";

const YES = new Uint8Array([0x79]); // "y"

/** A 0/0 character device: overlayfs's whiteout. */
export function isWhiteout(stat: Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

export function isOpaque(dir: string): boolean {
  const value = sys.lgetxattr(dir, OPAQUE_XATTR);
  return value !== null && value.length === 1 && value[0] === 0x79;
}

export function makeWhiteout(path: string): void {
  sys.mknod(path, S_IFCHR, 0);
}

export function markOpaque(dir: string): void {
  sys.lsetxattr(dir, OPAQUE_XATTR, YES, 0);
}

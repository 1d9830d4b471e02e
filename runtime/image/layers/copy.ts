/**
 * copyRootfs: the root filesystem built by copying, for hosts without overlayfs. Snapshots are
 * applied in order onto one tree with overlayfs's own rules, so the result is the tree an overlay
 * mount of the same snapshots shows: a 0/0 character device deletes, an opaque directory drops
 * what was there, a directory merges into a directory, anything else replaces what it meets.
 * Nothing is ever followed: existing entries are lstat()ed and removed, symlinks copied as links.
 */
import {
  chmodSync, copyFileSync, constants, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, readdirSync,
  readlinkSync, rmSync, symlinkSync, unlinkSync, type Stats,
} from "node:fs";
import { sys } from "../../../native/index.ts";
import { OVERLAY_XATTR_PREFIX, isOpaque, isWhiteout } from "./whiteout.ts";

export interface CopyRootfsOptions {
  /** Snapshot directories, lowest first. */
  snapshots: readonly string[];
  /** The directory to fill; created if missing, expected empty. */
  target: string;
}

export function copyRootfs({ snapshots, target }: CopyRootfsOptions): void {
  mkdirSync(target, { recursive: true, mode: 0o755 });
  for (const layer of snapshots) {
    const links = new Map<string, string>();
    mergeDir(layer, target, links);
    copyMeta(layer, target, lstatSync(layer));
  }
}

function mergeDir(src: string, dst: string, links: Map<string, string>): void {
  for (const name of readdirSync(src)) {
    const from = `${src}/${name}`;
    const to = `${dst}/${name}`;
    const stat = lstatSync(from);
    const existing = lstatOrUndefined(to);
    if (isWhiteout(stat)) {
      if (existing !== undefined) removeAny(to, existing);
      continue;
    }
    if (stat.isDirectory()) {
      const replace = existing !== undefined && (!existing.isDirectory() || isOpaque(from));
      if (replace) removeAny(to, existing);
      if (existing === undefined || replace) mkdirSync(to, 0o700);
      mergeDir(from, to, links);
      copyMeta(from, to, stat);
      continue;
    }
    if (existing !== undefined) removeAny(to, existing);
    copyEntry(from, to, stat, links);
  }
}

function copyEntry(from: string, to: string, stat: Stats, links: Map<string, string>): void {
  if (stat.isFile()) {
    // Files hard-linked within one layer stay linked, as overlayfs shows them.
    const key = `${stat.dev}:${stat.ino}`;
    const first = stat.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      linkSync(first, to);
      return;
    }
    copyFileSync(from, to, constants.COPYFILE_EXCL);
    if (stat.nlink > 1) links.set(key, to);
  } else if (stat.isSymbolicLink()) {
    symlinkSync(readlinkSync(from), to);
  } else if (stat.isFIFO() || stat.isCharacterDevice() || stat.isBlockDevice()) {
    sys.mknod(to, (stat.mode & ~0o7777) | 0o600, stat.rdev);
  } else {
    return; // sockets are not part of an image
  }
  copyMeta(from, to, stat);
}

/** Owner, mode, xattrs (not overlay's own) and times. */
function copyMeta(from: string, to: string, stat: Stats): void {
  lchownSync(to, stat.uid, stat.gid);
  if (!stat.isSymbolicLink()) chmodSync(to, stat.mode & 0o7777);
  for (const name of sys.llistxattr(from)) {
    if (name.startsWith(OVERLAY_XATTR_PREFIX)) continue;
    const value = sys.lgetxattr(from, name);
    if (value !== null) sys.lsetxattr(to, name, value, 0);
  }
  lutimesSync(to, stat.atimeMs / 1000, stat.mtimeMs / 1000);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function removeAny(path: string, stat: Stats): void {
  if (stat.isDirectory()) rmSync(path, { recursive: true, force: true });
  else unlinkSync(path);
}

/**
 * diffUpper: the layer tar of a container's changes, read from its overlayfs upper directory
 * (for commit). Added and changed entries go in as they are; a whiteout (0/0 character device)
 * becomes `.wh.NAME`; an opaque directory is followed by its `.wh..wh..opq` marker. Entries come
 * in byte order of their names with parents first, times in whole seconds, and extended
 * attributes (but overlay's own) as SCHILY.xattr PAX records: the same upper directory always
 * gives the same bytes, hence the same diff ID. Sockets are left out.
 *
 * Read it while the overlay is unmounted (or the container stopped): a file changing while it is
 * read makes the entry's size wrong and the read fails.
 */
import { createHash } from "node:crypto";
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { sys } from "../../../native/index.ts";
import type { TarEntryType } from "./tar-reader.ts";
import { END_OF_ARCHIVE, encodeHeader, padding, type TarEntryInput } from "./tar-writer.ts";
import { OPAQUE_MARKER, OVERLAY_XATTR_PREFIX, WHITEOUT_PREFIX, isOpaque, isWhiteout } from "./whiteout.ts";

const CHUNK = 256 * 1024;

/** The uncompressed layer tar of an upper directory; `diffId` is known once it was read to the end. */
export class UpperDiff implements AsyncIterable<Uint8Array> {
  readonly upperDir: string;
  #diffId: string | undefined;
  #size = 0;

  constructor(upperDir: string) {
    this.upperDir = upperDir;
  }

  /** "sha256:<hex>" of the tar; throws if the stream was not read to its end. */
  get diffId(): string {
    if (this.#diffId === undefined) throw new Error(`The diff of ${JSON.stringify(this.upperDir)} has not been read to its end yet`);
    return this.#diffId;
  }

  /** Bytes of the tar, once read. */
  get size(): number {
    return this.#size;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const hash = createHash("sha256");
    let size = 0;
    for (const chunk of walk(this.upperDir, "", new Map())) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    this.#size = size;
    this.#diffId = `sha256:${hash.digest("hex")}`;
  }
}

export function diffUpper(upperDir: string): UpperDiff {
  return new UpperDiff(upperDir);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function* walk(root: string, rel: string, links: Map<string, string>): Generator<Uint8Array> {
  const dir = rel === "" ? root : `${root}/${rel}`;
  for (const name of readdirSync(dir).sort(byteOrder)) {
    const path = `${dir}/${name}`;
    const entryName = rel === "" ? name : `${rel}/${name}`;
    const stat = lstatSync(path);
    if (isWhiteout(stat)) {
      const whiteout = rel === "" ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`;
      yield encodeHeader({ ...base(whiteout, "file", stat), mode: 0o600, uid: 0, gid: 0 });
      continue;
    }
    if (stat.isDirectory()) {
      yield encodeHeader({ ...base(entryName, "dir", stat), xattrs: xattrsOf(path) });
      if (isOpaque(path)) yield encodeHeader({ ...base(`${entryName}/${OPAQUE_MARKER}`, "file", stat), mode: 0o600 });
      yield* walk(root, entryName, links);
      continue;
    }
    if (stat.isFile()) {
      const key = `${stat.dev}:${stat.ino}`;
      const first = stat.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        yield encodeHeader({ ...base(entryName, "link", stat), linkname: first });
        continue;
      }
      if (stat.nlink > 1) links.set(key, entryName);
      yield encodeHeader({ ...base(entryName, "file", stat), size: stat.size, xattrs: xattrsOf(path) });
      yield* content(path, stat.size);
      continue;
    }
    if (stat.isSymbolicLink()) {
      yield encodeHeader({ ...base(entryName, "symlink", stat), linkname: readlinkSync(path), xattrs: xattrsOf(path) });
      continue;
    }
    const type: TarEntryType | undefined = stat.isFIFO() ? "fifo" : stat.isCharacterDevice() ? "char" : stat.isBlockDevice() ? "block" : undefined;
    if (type === undefined) continue; // socket
    yield encodeHeader({ ...base(entryName, type, stat), devmajor: major(stat.rdev), devminor: minor(stat.rdev), xattrs: xattrsOf(path) });
  }
  if (rel === "") yield END_OF_ARCHIVE;
}

function base(name: string, type: TarEntryType, stat: Stats): TarEntryInput {
  return { name, type, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, size: 0, mtime: Math.floor(stat.mtimeMs / 1000) };
}

function* content(path: string, size: number): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) throw new Error(`File ${JSON.stringify(path)} shrank while it was being read into the diff`);
      left -= n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
  const pad = padding(size);
  if (pad.length > 0) yield pad;
}

function xattrsOf(path: string): Map<string, Uint8Array> | undefined {
  const names = sys.llistxattr(path).filter((n) => !n.startsWith(OVERLAY_XATTR_PREFIX));
  if (names.length === 0) return undefined;
  const out = new Map<string, Uint8Array>();
  for (const name of names) {
    const value = sys.lgetxattr(path, name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

/** major(3)/minor(3) of a Linux dev_t. */
function major(dev: number): number {
  return Math.floor(dev / 256) & 0xfff;
}

function minor(dev: number): number {
  return (dev & 0xff) | ((Math.floor(dev / 2 ** 20) & 0xfff) << 8);
}

/**
 * unpackLayer: one layer tar (uncompressed, gzip or zstd) written into a directory, safely, with
 * whiteouts turned into their overlayfs form.
 *
 * Safety: every entry name is cleaned (a leading "/" is dropped as docker does; ".." that climbs
 * above the root is refused) and its parent directory is resolved by MergedTree, which follows
 * symlinks only while they stay inside the root and never lets the kernel follow one: files are
 * created with O_EXCL|O_NOFOLLOW in a symlink-free real directory, an existing entry of the same
 * name is removed first, and times are set with lutimes. Hard links must point at a file already
 * in this layer. Device nodes are created only when the caller allows them and we are root.
 * On error the target holds a partial layer: callers unpack into a temporary directory
 * (prepareSnapshots does) and remove it.
 */
import { createHash } from "node:crypto";
import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeSync, type Stats,
} from "node:fs";
import { sys, makedev, S_IFBLK, S_IFCHR, S_IFIFO, hasErrno } from "../../../native/index.ts";
import { decompress, type Compression } from "./decompress.ts";
import { LayerEntryError, LayerError } from "./errors.ts";
import { MergedTree, ResolveError, cleanPath, type DirCreated } from "./merged-tree.ts";
import { TarReader, type TarHeader, type TarSink } from "./tar-reader.ts";
import { META_PREFIX, OPAQUE_MARKER, OVERLAY_XATTR_PREFIX, WHITEOUT_PREFIX, makeWhiteout, markOpaque } from "./whiteout.ts";

export interface UnpackOptions {
  /** Names the layer in errors (its diff ID, usually). */
  layer?: string;
  /** Snapshot directories below the target, lowest first: paths resolve through their overlay view. */
  lowers?: readonly string[];
  /** Create character and block device entries; honoured only when running as root. Default: refuse them. */
  allowDevices?: boolean;
  /** Restore each entry's uid/gid (default: when running as root). */
  chown?: boolean;
}

export interface UnpackStats {
  compression: Compression;
  /** "sha256:<hex>" of the uncompressed tar: equals the layer's diff ID when the layer is genuine. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarBytes: number;
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Character and block devices and fifos. */
  specials: number;
  whiteouts: number;
  opaqueDirs: number;
  /** Bytes of file content written. */
  fileBytes: number;
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW; // libuv adds O_CLOEXEC

/**
 * The process umask, read once from /proc (process.umask() without an argument is deprecated):
 * when it cannot strip any bit of an entry's mode, the mode given to open() is already exact and
 * the fchmod can be skipped. Undefined when unknown: then every file is chmod()ed.
 */
const UMASK: number | undefined = (() => {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? undefined : parseInt(m[1] as string, 8);
  } catch {
    return undefined;
  }
})();
const DEFAULT_ACL = "system.posix_acl_default";

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Unpack the layer tar read from `source` into `targetDir` (created if missing). */
export async function unpackLayer(
  source: AsyncIterable<Uint8Array>,
  targetDir: string,
  options: UnpackOptions = {},
): Promise<UnpackStats> {
  const label = options.layer ?? "(unnamed)";
  mkdirSync(targetDir, { recursive: true });
  const extractor = new Extractor(targetDir, label, options);
  const reader = new TarReader(extractor);
  const hash = createHash("sha256");
  let compression: Compression = "none";
  try {
    const input = await decompress(source);
    compression = input.compression;
    for await (const chunk of input.chunks) {
      hash.update(chunk);
      extractor.stats.tarBytes += chunk.length;
      if (!reader.ended) reader.push(chunk);
    }
    reader.finish();
    extractor.finish();
  } catch (err) {
    extractor.abort();
    if (err instanceof LayerError) throw err;
    throw new LayerError(label, `cannot be unpacked into ${JSON.stringify(targetDir)}: ${messageOf(err)}`, { cause: err });
  }
  return { ...extractor.stats, compression, diffId: `sha256:${hash.digest("hex")}` };
}

class Extractor implements TarSink {
  readonly stats = {
    tarBytes: 0, entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, specials: 0, whiteouts: 0, opaqueDirs: 0, fileBytes: 0,
  };
  readonly #root: string;
  readonly #label: string;
  readonly #tree: MergedTree;
  readonly #chown: boolean;
  readonly #allowDevices: boolean;
  /** Directory times, set last (writing entries into a directory changes its mtime). */
  readonly #dirTimes = new Map<string, [number, number]>();
  #file: { fd: number; header: TarHeader; path: string; parent: string } | undefined;
  readonly #uid = process.geteuid?.() ?? -1;
  readonly #gid = process.getegid?.() ?? -1;
  /** Directories (real, root-relative) with the setgid bit: new files there take the directory's group. */
  readonly #setgidDirs = new Set<string>();
  /** Every directory's setgid bit known and no default ACL met: creation ids and modes are predictable. */
  #knownTree: boolean;

  constructor(root: string, label: string, options: UnpackOptions) {
    this.#root = root;
    this.#label = label;
    const isRoot = process.getuid?.() === 0;
    this.#chown = options.chown ?? isRoot;
    this.#allowDevices = (options.allowDevices ?? false) && isRoot;
    this.#tree = new MergedTree(root, options.lowers ?? [], (created) => this.#copyDirMeta(created));
    // Skipping chown/chmod relies on knowing every directory's setgid bit and ACL: only in an
    // empty target, where every directory is one this extractor made.
    this.#knownTree = readdirSync(root).length === 0 && (lstatSync(root).mode & 0o2000) === 0 && sys.lgetxattr(root, DEFAULT_ACL) === null;
  }

  entry(header: TarHeader): void {
    this.stats.entries++;
    try {
      this.#entry(header);
    } catch (err) {
      throw this.#wrap(header.name, err);
    }
  }

  data(chunk: Uint8Array): void {
    const file = this.#file;
    if (file === undefined) return;
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(file.fd, chunk, off, chunk.length - off);
      this.stats.fileBytes += chunk.length;
    } catch (err) {
      throw this.#wrap(file.header.name, err);
    }
  }

  end(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    try {
      const { fd, header } = file;
      // A new file already has our ids (the directory's group under setgid) and open()'s mode
      // minus the umask: skip the calls that would change nothing.
      const ownedRight = header.uid === this.#uid && header.gid === this.#gid && !this.#setgidDirs.has(file.parent) && this.#knownTree;
      if (this.#chown && !ownedRight) fchownSync(fd, header.uid, header.gid);
      if (UMASK === undefined || !this.#knownTree || header.mode & (UMASK | 0o7000)) fchmodSync(fd, header.mode);
      this.#xattrs(file.path, header);
      futimesSync(fd, header.atime ?? header.mtime, header.mtime);
      closeSync(fd);
    } catch (err) {
      closeSync(file.fd);
      throw this.#wrap(file.header.name, err);
    }
  }

  /** After the last entry: directory times. */
  finish(): void {
    for (const [path, [atime, mtime]] of this.#dirTimes) lutimesSync(path, atime, mtime);
  }

  abort(): void {
    if (this.#file !== undefined) closeSync(this.#file.fd);
    this.#file = undefined;
  }

  #wrap(entry: string, err: unknown): LayerError {
    if (err instanceof LayerError) return err;
    if (err instanceof ResolveError) return new LayerEntryError(this.#label, entry, err.message);
    return new LayerEntryError(this.#label, entry, `cannot be written: ${messageOf(err)}`, { cause: err });
  }

  #refuse(header: TarHeader, why: string): never {
    throw new LayerEntryError(this.#label, header.name, why);
  }

  #entry(header: TarHeader): void {
    const parts = cleanPath(header.name);
    if (parts === null) this.#refuse(header, "escapes the root");
    const base = parts[parts.length - 1];
    if (base === undefined) {
      if (header.type !== "dir") this.#refuse(header, "would replace the root directory");
      this.#applyMeta(this.#root, header);
      this.#noteSetgid("", header.mode);
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.#whiteout(header, parts.slice(0, -1), base);
      return;
    }
    const parent = this.#tree.directory(parts.slice(0, -1));
    const rel = parent === "" ? base : `${parent}/${base}`;
    const path = `${this.#root}/${rel}`;
    switch (header.type) {
      case "dir":
        this.#mkdir(path, rel);
        this.#applyMeta(path, header);
        this.#noteSetgid(rel, header.mode);
        this.stats.dirs++;
        return;
      case "file": {
        const fd = this.#create(rel, () => openSync(path, CREATE_FLAGS, header.mode & 0o777));
        this.#file = { fd, header, path, parent };
        this.stats.files++;
        return;
      }
      case "symlink":
        this.#create(rel, () => symlinkSync(header.linkname, path));
        this.#applyMeta(path, header);
        this.stats.symlinks++;
        return;
      case "link": {
        const existing = this.#linkTarget(header);
        this.#create(rel, () => linkSync(existing, path));
        this.stats.hardlinks++;
        return;
      }
      case "char":
      case "block": {
        if (!this.#allowDevices) {
          this.#refuse(header, `is a ${header.type === "char" ? "character" : "block"} device; device nodes are refused unless allowed (and running as root)`);
        }
        const type = header.type === "char" ? S_IFCHR : S_IFBLK;
        this.#create(rel, () => sys.mknod(path, type | 0o600, makedev(header.devmajor, header.devminor)));
        this.#applyMeta(path, header);
        this.stats.specials++;
        return;
      }
      case "fifo":
        this.#create(rel, () => sys.mknod(path, S_IFIFO | 0o600, 0));
        this.#applyMeta(path, header);
        this.stats.specials++;
        return;
    }
  }

  /** Run `make` to create `rel`; if something is in the way, remove it and try once more. */
  #create<T>(rel: string, make: () => T): T {
    let result: T;
    try {
      result = make();
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw err;
      removeAny(`${this.#root}/${rel}`);
      result = make();
    }
    this.#tree.changed(rel);
    return result;
  }

  #mkdir(path: string, rel: string): void {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw err;
      if (lstatSync(path).isDirectory()) return; // directories merge
      removeAny(path);
      mkdirSync(path, 0o700);
    }
    this.#tree.changed(rel);
  }

  #linkTarget(header: TarHeader): string {
    const parts = cleanPath(header.linkname);
    if (parts === null || parts.length === 0) {
      this.#refuse(header, `is a hard link to ${JSON.stringify(header.linkname)}, outside the layer root`);
    }
    let where: { parent: string; name: string };
    try {
      where = this.#tree.locate(parts);
    } catch (err) {
      if (!(err instanceof ResolveError)) throw err;
      this.#refuse(header, `is a hard link to ${JSON.stringify(header.linkname)}, which ${err.message}`);
    }
    const path = `${this.#root}/${where.parent === "" ? where.name : `${where.parent}/${where.name}`}`;
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch {
      this.#refuse(header, `is a hard link to ${JSON.stringify(header.linkname)}, which is not in this layer`);
    }
    if (stat.isDirectory()) this.#refuse(header, `is a hard link to directory ${JSON.stringify(header.linkname)}`);
    return path;
  }

  #whiteout(header: TarHeader, parentParts: string[], base: string): void {
    if (base === OPAQUE_MARKER) {
      const dir = this.#tree.directory(parentParts);
      markOpaque(dir === "" ? this.#root : `${this.#root}/${dir}`);
      this.#tree.changed(dir);
      this.stats.opaqueDirs++;
      return;
    }
    if (base.startsWith(META_PREFIX)) return;
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === "..") this.#refuse(header, "is a malformed whiteout");
    const parent = this.#tree.directory(parentParts);
    const rel = parent === "" ? name : `${parent}/${name}`;
    this.#create(rel, () => makeWhiteout(`${this.#root}/${rel}`));
    this.stats.whiteouts++;
  }

  /** Owner, mode, xattrs and times of a non-file entry (directory times deferred). */
  #applyMeta(path: string, header: TarHeader): void {
    if (this.#chown) lchownSync(path, header.uid, header.gid);
    if (header.type !== "symlink") chmodSync(path, header.mode);
    this.#xattrs(path, header);
    if (header.type === "dir") this.#dirTimes.set(path, [header.atime ?? header.mtime, header.mtime]);
    else lutimesSync(path, header.atime ?? header.mtime, header.mtime);
  }

  #noteSetgid(rel: string, mode: number): void {
    if (mode & 0o2000) this.#setgidDirs.add(rel);
    else this.#setgidDirs.delete(rel);
  }

  #xattrs(path: string, header: TarHeader): void {
    for (const [name, value] of header.xattrs) {
      if (name.startsWith(OVERLAY_XATTR_PREFIX)) continue; // overlay metadata comes only from whiteout entries
      if (name === DEFAULT_ACL) this.#knownTree = false;
      sys.lsetxattr(path, name, value, 0);
    }
  }

  /** A directory created to hold an entry takes the metadata of the lower one it shadows. */
  #copyDirMeta({ path, stat }: DirCreated): void {
    if (stat !== undefined) this.#noteSetgid(path.slice(this.#root.length + 1), stat.mode);
    if (stat === undefined) {
      chmodSync(path, 0o755);
      return;
    }
    if (this.#chown) lchownSync(path, stat.uid, stat.gid);
    chmodSync(path, stat.mode & 0o7777);
    this.#dirTimes.set(path, [stat.atimeMs / 1000, stat.mtimeMs / 1000]);
  }
}

function removeAny(path: string): void {
  if (lstatSync(path).isDirectory()) rmSync(path, { recursive: true, force: true });
  else unlinkSync(path);
}

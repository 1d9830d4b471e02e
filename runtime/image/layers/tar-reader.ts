/**
 * A streaming, synchronous tar reader: push() bytes as they arrive, and it calls the sink for each
 * entry's header, its content pieces and its end. ustar, GNU (long names, base-256 numbers) and
 * PAX (path, linkpath, size, ids, times, SCHILY.xattr.* and LIBARCHIVE.xattr.*) are understood.
 *
 * Why not tar-stream: it decodes PAX values as UTF-8, which corrupts binary extended attributes
 * (a security.capability value holding byte 0x80 comes back as U+FFFD), and its per-entry streams
 * cost more than the file writes on images with many small files.
 */

export type TarEntryType = "file" | "dir" | "symlink" | "link" | "char" | "block" | "fifo";

export interface TarHeader {
  /** The entry's path as stored (PAX `path` or GNU long name applied). */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch; fractional when PAX gave a finer time. */
  mtime: number;
  atime: number | undefined;
  /** Symlink target or hard link target. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX records, values as raw bytes. */
  xattrs: Map<string, Uint8Array>;
}

export interface TarSink {
  entry(header: TarHeader): void;
  /** A piece of the current entry's content (files only); valid only during the call. */
  data(chunk: Uint8Array): void;
  end(): void;
}

export class TarFormatError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset} of the tar stream)`);
    this.name = "TarFormatError";
  }
}

const BLOCK = 512;
/** PAX and GNU long-name records larger than this are refused rather than buffered. */
const MAX_META = 1 << 20;
const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "link", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const decoder = new TextDecoder();

type Meta = { pax: Map<string, Uint8Array>; longName?: string; longLink?: string };

export class TarReader {
  readonly #sink: TarSink;
  readonly #block = new Uint8Array(BLOCK);
  #blockFill = 0;
  /** Content bytes of the current entry still to come, then padding to skip. */
  #remaining = 0;
  #padding = 0;
  #inFile = false;
  /** A PAX or GNU meta entry being gathered. */
  #meta: { kind: string; buf: Uint8Array; fill: number } | undefined;
  #pending: Meta = { pax: new Map() };
  #global = new Map<string, Uint8Array>();
  #offset = 0;
  #ended = false;

  constructor(sink: TarSink) {
    this.#sink = sink;
  }

  /** True once the end-of-archive block was read; later bytes are ignored. */
  get ended(): boolean {
    return this.#ended;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length && !this.#ended) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, chunk.length - pos);
        const piece = chunk.subarray(pos, pos + n);
        if (this.#meta) {
          this.#meta.buf.set(piece, this.#meta.fill);
          this.#meta.fill += n;
        } else if (this.#inFile) {
          this.#sink.data(piece);
        }
        this.#remaining -= n;
        pos += n;
        this.#offset += n;
        if (this.#remaining === 0) this.#finishContent();
        continue;
      }
      if (this.#padding > 0) {
        const n = Math.min(this.#padding, chunk.length - pos);
        this.#padding -= n;
        pos += n;
        this.#offset += n;
        continue;
      }
      const n = Math.min(BLOCK - this.#blockFill, chunk.length - pos);
      this.#block.set(chunk.subarray(pos, pos + n), this.#blockFill);
      this.#blockFill += n;
      pos += n;
      if (this.#blockFill === BLOCK) {
        this.#blockFill = 0;
        this.#header(this.#block);
        this.#offset += BLOCK;
      }
    }
  }

  /** Call at the end of the stream: throws if it stopped inside an entry. */
  finish(): void {
    if (this.#ended) return;
    if (this.#remaining > 0 || this.#blockFill > 0 || this.#meta || this.#pending.longName !== undefined) {
      throw new TarFormatError("tar stream ends inside an entry", this.#offset);
    }
    // A stream without the two zero blocks is accepted, as GNU tar does.
    this.#ended = true;
  }

  #finishContent(): void {
    if (this.#meta) {
      const { kind, buf } = this.#meta;
      this.#meta = undefined;
      this.#applyMeta(kind, buf);
    } else if (this.#inFile) {
      this.#inFile = false;
      this.#sink.end();
    }
  }

  #header(block: Uint8Array): void {
    if (block.every((b) => b === 0)) {
      this.#ended = true;
      return;
    }
    if (!checksumOk(block)) throw new TarFormatError("tar header checksum mismatch (not a tar stream, or corrupt)", this.#offset);
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = num(block, 124, 12);
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META) throw new TarFormatError(`tar meta entry of ${size} bytes is too large`, this.#offset);
      this.#meta = { kind: flag, buf: new Uint8Array(size), fill: 0 };
      this.#remaining = size;
      if (size === 0) this.#finishContent();
      return;
    }
    let type = TYPES[flag];
    if (type === undefined) throw new TarFormatError(`unsupported tar entry type ${JSON.stringify(flag)}`, this.#offset);
    const meta = this.#pending;
    this.#pending = { pax: new Map() };
    const pax = this.#global.size === 0 ? meta.pax : new Map([...this.#global, ...meta.pax]);
    const gnu = block[257 + 5] === 0x20; // "ustar  " magic: the prefix field holds GNU times instead
    const prefix = gnu ? "" : str(block, 345, 155);
    const name = paxString(pax, "path") ?? meta.longName ?? (prefix === "" ? str(block, 0, 100) : `${prefix}/${str(block, 0, 100)}`);
    if (type === "file" && flag !== "7" && name.endsWith("/")) type = "dir"; // pre-POSIX directories
    const header: TarHeader = {
      name,
      type,
      mode: num(block, 100, 8) & 0o7777,
      uid: paxNumber(pax, "uid") ?? num(block, 108, 8),
      gid: paxNumber(pax, "gid") ?? num(block, 116, 8),
      size: paxNumber(pax, "size") ?? size,
      mtime: paxNumber(pax, "mtime") ?? num(block, 136, 12),
      atime: paxNumber(pax, "atime"),
      linkname: paxString(pax, "linkpath") ?? meta.longLink ?? str(block, 157, 100),
      devmajor: num(block, 329, 8),
      devminor: num(block, 337, 8),
      xattrs: xattrsOf(pax),
    };
    if (pax.has("GNU.sparse.major") || pax.has("GNU.sparse.size")) {
      throw new TarFormatError(`sparse entry ${JSON.stringify(name)} is not supported`, this.#offset);
    }
    this.#padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
    this.#remaining = header.size;
    this.#sink.entry(header);
    if (type === "file") {
      this.#inFile = true;
      if (header.size === 0) this.#finishContent();
    }
  }

  #applyMeta(kind: string, buf: Uint8Array): void {
    if (kind === "L") this.#pending.longName = cString(buf);
    else if (kind === "K") this.#pending.longLink = cString(buf);
    else if (kind === "x") for (const [k, v] of parsePax(buf, this.#offset)) this.#pending.pax.set(k, v);
    else for (const [k, v] of parsePax(buf, this.#offset)) this.#global.set(k, v);
  }
}

function checksumOk(block: Uint8Array): boolean {
  const stored = num(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b >= 0x80 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** A NUL-terminated field. */
function str(block: Uint8Array, off: number, len: number): string {
  const field = block.subarray(off, off + len);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function cString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return decoder.decode(end === -1 ? buf : buf.subarray(0, end));
}

/** An octal field, or GNU base-256 when the high bit of the first byte is set. */
function num(block: Uint8Array, off: number, len: number): number {
  const first = block[off] ?? 0;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (block[off + i] ?? 0);
    return v;
  }
  let i = 0;
  while (i < len && block[off + i] === 0x20) i++; // old tars pad with leading spaces
  let v = 0;
  for (; i < len; i++) {
    const c = block[off + i] ?? 0;
    if (c < 0x30 || c > 0x37) break; // NUL or space ends the number
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** PAX records: "<len> <key>=<value>\n", value kept as raw bytes. */
function parsePax(buf: Uint8Array, offset: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(decoder.decode(buf.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= 0 || pos + len > buf.length) {
      throw new TarFormatError("malformed PAX record", offset);
    }
    const record = buf.subarray(space + 1, pos + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw new TarFormatError("malformed PAX record", offset);
    out.set(decoder.decode(record.subarray(0, eq)), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function paxString(pax: Map<string, Uint8Array>, key: string): string | undefined {
  const v = pax.get(key);
  return v === undefined ? undefined : decoder.decode(v);
}

function paxNumber(pax: Map<string, Uint8Array>, key: string): number | undefined {
  const s = paxString(pax, key);
  if (s === undefined || s === "") return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

const SCHILY = "SCHILY.xattr.";
const LIBARCHIVE = "LIBARCHIVE.xattr.";

function xattrsOf(pax: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (pax.size === 0) return out;
  for (const [key, value] of pax) {
    if (key.startsWith(SCHILY)) out.set(key.slice(SCHILY.length), value);
    else if (key.startsWith(LIBARCHIVE)) {
      // libarchive: the name is URL-encoded, the value base64.
      out.set(decodeURIComponent(key.slice(LIBARCHIVE.length)), Buffer.from(decoder.decode(value), "base64"));
    }
  }
  return out;
}

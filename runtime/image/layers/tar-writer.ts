/**
 * Tar headers for the layers berth writes (diffUpper): ustar, with a PAX record in front when a
 * name or link target does not fit, a number overflows its field, or the entry has extended
 * attributes (SCHILY.xattr.*, values as raw bytes — what docker and GNU tar --xattrs read).
 * Output depends only on the inputs, so the same tree always gives the same bytes and diff ID.
 */
import type { TarEntryType } from "./tar-reader.ts";

export interface TarEntryInput {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Content length (files only; 0 otherwise). */
  size: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Uint8Array>;
}

const BLOCK = 512;
const FLAGS: Record<TarEntryType, string> = {
  file: "0", link: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6",
};
const encoder = new TextEncoder();

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) for one entry: a PAX header entry when needed, then the ustar header. */
export function encodeHeader(entry: TarEntryInput): Uint8Array {
  const name = entry.type === "dir" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const nameBytes = encoder.encode(name);
  const linkBytes = encoder.encode(entry.linkname ?? "");
  const pax: [string, Uint8Array][] = [];
  if (nameBytes.length > 100) pax.push(["path", nameBytes]);
  if (linkBytes.length > 100) pax.push(["linkpath", linkBytes]);
  if (entry.size > 0o77777777777) pax.push(["size", encoder.encode(String(entry.size))]);
  if (entry.uid > 0o7777777) pax.push(["uid", encoder.encode(String(entry.uid))]);
  if (entry.gid > 0o7777777) pax.push(["gid", encoder.encode(String(entry.gid))]);
  for (const [key, value] of [...(entry.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    pax.push([`SCHILY.xattr.${key}`, value]);
  }
  const main = ustar(entry, nameBytes.subarray(0, 100), linkBytes.subarray(0, 100));
  if (pax.length === 0) return main;
  const body = paxBody(pax);
  const paxHeader = ustar(
    { name: "././@PaxHeader", type: "file", mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0 },
    encoder.encode("././@PaxHeader"),
    new Uint8Array(0),
    "x",
  );
  const out = new Uint8Array(paxHeader.length + body.length + padding(body.length).length + main.length);
  out.set(paxHeader, 0);
  out.set(body, paxHeader.length);
  out.set(main, out.length - main.length);
  return out;
}

function paxBody(records: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [key, value] of records) {
    const rest = encoder.encode(` ${key}=`).length + value.length + 1;
    // The length prefix counts its own digits.
    let len = rest + 1;
    while (String(len).length + rest !== len) len = String(len).length + rest;
    parts.push(encoder.encode(`${len} ${key}=`), value, encoder.encode("\n"));
  }
  return Buffer.concat(parts);
}

function ustar(entry: TarEntryInput, name: Uint8Array, link: Uint8Array, flag = FLAGS[entry.type]): Uint8Array {
  const block = new Uint8Array(BLOCK);
  block.set(name, 0);
  octal(block, 100, 8, entry.mode & 0o7777);
  octal(block, 108, 8, Math.min(entry.uid, 0o7777777));
  octal(block, 116, 8, Math.min(entry.gid, 0o7777777));
  octal(block, 124, 12, Math.min(entry.size, 0o77777777777));
  octal(block, 136, 12, Math.max(0, Math.floor(entry.mtime)));
  block[156] = flag.charCodeAt(0);
  block.set(link, 157);
  block.set(encoder.encode("ustar\u000000"), 257);
  octal(block, 329, 8, entry.devmajor ?? 0);
  octal(block, 337, 8, entry.devminor ?? 0);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  octal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

/** Zero-padded octal, NUL-terminated, filling `len` bytes. */
function octal(block: Uint8Array, off: number, len: number, value: number): void {
  const digits = value.toString(8).padStart(len - 1, "0");
  block.set(encoder.encode(digits), off);
  block[off + len - 1] = 0;
}

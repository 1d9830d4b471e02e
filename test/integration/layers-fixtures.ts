/**
 * Helpers for the layer tests: layer tars built with tar-stream, layer sources, temp roots under
 * `${tmpdir()}/berth-test-layers-…` (the leak guard watches those), and a tree description that
 * makes two directory trees comparable.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import tar from "tar-stream";
import { sys } from "../../native/index.ts";
import type { LayerSource } from "../../runtime/image/layers/index.ts";

export interface Entry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export const T0 = new Date("2024-03-01T12:00:00Z");

/** An uncompressed layer tar of `entries`, in order. */
export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? T0,
      linkname: e.linkname,
      devmajor: e.devmajor,
      devminor: e.devminor,
      pax: e.pax,
    };
    await new Promise<void>((resolve, reject) => {
      if (type === "file") pack.entry(header, e.content ?? "", (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A stream of `data` in pieces of `chunk` bytes (small pieces exercise the parser's seams). */
export async function* streamOf(data: Uint8Array, chunk = 7919): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < data.length; off += chunk) yield data.subarray(off, off + chunk);
}

/** A layer whose diff ID is the digest of `tarBytes`; `stored` is what open() yields (maybe compressed). */
export function layerOf(tarBytes: Uint8Array, stored: Uint8Array = tarBytes): LayerSource {
  return { diffId: sha256(tarBytes), open: () => streamOf(stored) };
}

export function tempRoot(tag: string): string {
  return mkdtempSync(`${tmpdir()}/berth-test-layers-${tag}-`);
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Every path under `dir` with what a user of the tree would notice: type, mode, owner, content
 * digest or link target, device numbers, user.* xattrs, and mtime in whole seconds (layer tars
 * carry seconds). The root directory itself is left out.
 */
export function treeOf(dir: string, options: { mtimes?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel === "" ? dir : `${dir}/${rel}`).sort()) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const abs = `${dir}/${path}`;
      const st = lstatSync(abs);
      let what: string;
      if (st.isDirectory()) what = "dir";
      else if (st.isSymbolicLink()) what = `symlink->${readlinkSync(abs)}`;
      else if (st.isFile()) what = `file ${createHash("sha256").update(readFileSync(abs)).digest("hex").slice(0, 12)}`;
      else if (st.isCharacterDevice()) what = `char ${st.rdev}`;
      else if (st.isBlockDevice()) what = `block ${st.rdev}`;
      else if (st.isFIFO()) what = "fifo";
      else what = "other";
      const xattrs = sys.llistxattr(abs).filter((n) => n.startsWith("user.")).sort()
        .map((n) => `${n}=${Buffer.from(sys.lgetxattr(abs, n) ?? []).toString("hex")}`);
      const mode = st.isSymbolicLink() ? "" : ` ${(st.mode & 0o7777).toString(8)}`;
      const mtime = options.mtimes === false ? "" : ` t${Math.floor(st.mtimeMs / 1000)}`;
      out[path] = `${what}${mode} ${st.uid}:${st.gid}${mtime}${xattrs.length > 0 ? ` ${xattrs.join(",")}` : ""}`;
      if (st.isDirectory()) walk(path);
    }
  };
  walk("");
  return out;
}

/** Every path under `dir` (names only), to prove nothing appeared outside a target. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(`${dir}/${rel}`).sort()) {
      const path = rel === "" ? name : `${rel}/${name}`;
      out.push(path);
      if (lstatSync(`${dir}/${path}`).isDirectory()) walk(path);
    }
  };
  walk("");
  return out;
}

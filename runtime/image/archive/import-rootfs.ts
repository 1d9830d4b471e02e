/**
 * `berth import`: a one-layer image from a root filesystem tarball (plain, gzip or zstd, told by
 * its first bytes), like docker import. The layer is stored uncompressed, so its digest is its
 * diff ID; the config says os linux, this machine's architecture, and carries the `--change`
 * settings and one history entry.
 */
import { closeSync, openSync, readSync, rmSync } from "node:fs";
import type { ImageRecord, ImageStore } from "../store/images.ts";
import type { OciImageConfig, Platform } from "../store/manifest.ts";
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST } from "../store/media-types.ts";
import { hostPlatform } from "../store/platform.ts";
import { normalizeTag } from "../store/resolve.ts";
import { applyChanges } from "./changes.ts";
import { autoDecompress, writeHashedFile } from "./compression.ts";
import { ArchiveError } from "./files.ts";

export interface ImportOptions {
  /** How the source is named in messages and in the history comment: a path, or "-" for stdin. */
  source: string;
  /** NAME[:TAG] to tag the image with. */
  tag?: string;
  changes?: readonly string[];
  /** The history comment (default "Imported from SOURCE"). */
  message?: string;
  platform?: Platform;
  /** The creation time (default now). */
  created?: Date;
}

/** Whether the file starts with a tar header whose checksum is right. */
function looksLikeTar(path: string): boolean {
  const header = Buffer.alloc(512);
  const fd = openSync(path, "r");
  let n: number;
  try {
    n = readSync(fd, header, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 512) return false;
  const stored = parseInt(header.subarray(148, 156).toString("latin1").replace(/\0.*$/, "").trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return stored === sum;
}

export async function importRootfs(store: ImageStore, source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<ImageRecord> {
  const tag = options.tag === undefined ? undefined : normalizeTag(options.tag);
  const configBase = applyChanges({}, options.changes ?? []);
  const lease = store.content.lease();
  const tmp = store.content.tempPath("import");
  try {
    let layer: { digest: string; size: number };
    try {
      layer = await writeHashedFile(tmp, autoDecompress(source));
    } catch (err) {
      throw new ArchiveError(options.source, `cannot be read or decompressed (${(err as Error).message})`, { cause: err });
    }
    if (!looksLikeTar(tmp)) throw new ArchiveError(options.source, "is not a tar archive (plain, gzip or zstd)");
    if (store.content.has(layer.digest)) rmSync(tmp, { force: true });
    else store.content.commit(layer.digest, tmp);
    const created = (options.created ?? new Date()).toISOString();
    const platform = options.platform ?? hostPlatform();
    const config: OciImageConfig = {
      created,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
      config: configBase,
      rootfs: { type: "layers", diff_ids: [layer.digest] },
      history: [{ created, comment: options.message ?? `Imported from ${options.source}` }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = store.content.writeBytes(configBytes);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
      layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
    };
    const manifestDigest = store.content.writeBytes(Buffer.from(JSON.stringify(manifest)));
    return store.put({ manifest: manifestDigest, repoTags: tag === undefined ? [] : [tag] });
  } finally {
    rmSync(tmp, { force: true });
    lease.release();
  }
}

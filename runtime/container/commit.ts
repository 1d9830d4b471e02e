/**
 * docker commit / diff / export for berth containers. commit: the container's overlay upper
 * directory becomes one more layer (deletions as whiteouts) on top of its image, with a history
 * entry and optional --change settings; diff: that upper directory as docker's A/C/D list;
 * export: the container's root filesystem as a tar stream.
 */
import { lstatSync, readdirSync, rmSync } from "node:fs";
import { applyChanges } from "../image/archive/changes.ts";
import { writeHashedFile } from "../image/archive/compression.ts";
import { diffUpper } from "../image/layers/index.ts";
import type { ImageRecord, ImageStore } from "../image/store/images.ts";
import type { OciImageConfig } from "../image/store/manifest.ts";
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST } from "../image/store/media-types.ts";
import { normalizeTag } from "../image/store/resolve.ts";
import { rootfsPaths } from "./rootfs.ts";
import type { ContainerRecord } from "./store.ts";

export interface CommitOptions {
  tag?: string;
  message?: string;
  author?: string;
  changes?: string[];
}

export async function commitContainer(images: ImageStore, rec: ContainerRecord, containerDir: string, opts: CommitOptions): Promise<ImageRecord> {
  const base = images.get(rec.imageId);
  if (base === undefined) throw new Error(`container ${rec.name}: its image ${rec.imageId.slice(7, 19)} is gone, so there is nothing to commit onto`);
  const upper = rootfsPaths(containerDir).upper;
  const lease = images.content.lease();
  const tmp = images.content.tempPath("commit");
  try {
    const layer = await writeHashedFile(tmp, diffUpper(upper));
    if (images.content.has(layer.digest)) rmSync(tmp, { force: true });
    else images.content.commit(layer.digest, tmp);
    const parent = images.configOf(base);
    const created = new Date().toISOString();
    const cmd = [...(rec.config.entrypoint !== undefined ? [rec.config.entrypoint] : []), ...rec.config.cmd];
    const config: OciImageConfig = {
      ...parent,
      created,
      ...(opts.author !== undefined ? { author: opts.author } : {}),
      config: applyChanges({ ...(parent.config ?? {}), ...(cmd.length > 0 && rec.config.entrypoint === undefined ? { Cmd: rec.config.cmd } : {}) }, opts.changes ?? []),
      rootfs: { type: "layers", diff_ids: [...parent.rootfs.diff_ids, layer.digest] },
      history: [...(parent.history ?? []), { created, created_by: cmd.join(" "), ...(opts.message !== undefined ? { comment: opts.message } : {}) }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = images.content.writeBytes(configBytes);
    const layers = images.manifestOf(base).layers;
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
      layers: [...layers, { mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
    };
    const manifestDigest = images.content.writeBytes(Buffer.from(JSON.stringify(manifest)));
    return images.put({ manifest: manifestDigest, repoTags: opts.tag === undefined ? [] : [normalizeTag(opts.tag)] });
  } finally {
    rmSync(tmp, { force: true });
    lease.release();
  }
}

/** docker diff: "A /path", "C /path", "D /path" from the overlay upper directory. */
export function containerDiff(containerDir: string, lowerHas: (path: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const path = `${rel}/${n}`;
      const st = lstatSync(`${dir}/${n}`);
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push(`D ${path}`);
        continue;
      }
      out.push(`${lowerHas(path) ? "C" : "A"} ${path}`);
      if (st.isDirectory()) walk(`${dir}/${n}`, path);
    }
  };
  walk(rootfsPaths(containerDir).upper, "");
  return out;
}

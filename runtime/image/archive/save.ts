/**
 * `berth save`: images as a docker-archive in Docker 25's layout, which `docker load`,
 * `podman load` and `skopeo` read: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…`) plus the classic `manifest.json` and `repositories` whose paths point into
 * it. Layers are written uncompressed (as docker does); a compressed stored layer is
 * decompressed to a temporary file first (its size goes in the tar header), checked against
 * the config's diff_id, and the manifest is rewritten for it. When no layer needed that, the
 * stored manifest is written as it is, so the image keeps its manifest digest through a
 * save/load round trip (its ID, the config digest, is kept either way).
 */
import { rmSync } from "node:fs";
import type { Writable } from "node:stream";
import { hexOf, sha256Digest } from "../store/digest.ts";
import { NoSuchImageError } from "../store/errors.ts";
import type { ImageRecord, ImageStore } from "../store/images.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from "../store/media-types.ts";
import { resolveImage } from "../store/resolve.ts";
import { displayReference, familiar, familiarRepository, parseReference, repositoryOf } from "../reference.ts";
import { decompress, fileStream, sniffFile, writeHashedFile } from "./compression.ts";
import { ArchiveError } from "./files.ts";
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, blobPath } from "./read-oci.ts";
import { TarWriter } from "./tar-writer.ts";

interface Selected {
  image: ImageRecord;
  tags: string[];
}

/** Which images (and which of their tags) the arguments name: a bare repository name means all its tags, as in docker. */
export function selectImages(store: ImageStore, refs: readonly string[]): Selected[] {
  const images = store.list();
  const selected = new Map<string, Selected>();
  const add = (image: ImageRecord, tag?: string) => {
    const s = selected.get(image.id) ?? { image, tags: [] };
    if (tag !== undefined && !s.tags.includes(tag)) s.tags.push(tag);
    selected.set(image.id, s);
  };
  for (const ref of refs) {
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined && parsed.tag === undefined && parsed.digest === undefined) {
      const repo = repositoryOf(parsed);
      const tagged = images.flatMap((i) => i.repoTags.filter((t) => repositoryOf(parseReference(t)) === repo).map((t) => ({ i, t })));
      if (tagged.length > 0) {
        for (const { i, t } of tagged) add(i, t);
        continue;
      }
    }
    const found = resolveImage(images, ref);
    if (found === undefined) throw new NoSuchImageError(displayReference(ref));
    add(found.image, found.by === "tag" ? found.ref : undefined);
  }
  return [...selected.values()];
}

interface Blob {
  digest: string;
  size: number;
  open: () => AsyncIterable<Uint8Array>;
}

export async function saveImages(store: ImageStore, refs: readonly string[], sink: Writable): Promise<void> {
  const selected = selectImages(store, refs);
  const temps: string[] = [];
  const tar = new TarWriter(sink);
  try {
    const blobs = new Map<string, Blob>();
    const stored = (digest: string, size: number): Blob => ({ digest, size, open: () => store.content.stream(digest) });
    const index: object[] = [];
    const manifestJson: object[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, tags } of selected) {
      const manifest = store.manifestOf(image);
      const config = store.configOf(image);
      let rewritten = false;
      const layers: Blob[] = [];
      for (const [i, layer] of manifest.layers.entries()) {
        const compression = await sniffFile(store.content.path(layer.digest));
        if (compression === "none") {
          layers.push(stored(layer.digest, layer.size));
          continue;
        }
        rewritten = true;
        const tmp = store.content.tempPath("save");
        temps.push(tmp);
        const plain = await writeHashedFile(tmp, decompress(store.content.stream(layer.digest)));
        if (plain.digest !== config.rootfs.diff_ids[i]) {
          throw new ArchiveError(`image ${image.id}`, `layer ${layer.digest} unpacks to ${plain.digest}, but its config expects ${config.rootfs.diff_ids[i]}`);
        }
        layers.push({ ...plain, open: () => fileStream(tmp) });
      }
      const configBlob = stored(manifest.config.digest, manifest.config.size);
      let manifestBlob = stored(image.manifest, store.content.size(image.manifest) ?? 0);
      let manifestType = manifest.mediaType;
      if (rewritten) {
        const doc = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
          layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
        };
        const bytes = Buffer.from(JSON.stringify(doc));
        manifestBlob = { digest: sha256Digest(bytes), size: bytes.length, open: async function* () {
            yield bytes;
          } };
        manifestType = OCI_MANIFEST;
      }
      for (const b of [configBlob, ...layers, manifestBlob]) if (!blobs.has(b.digest)) blobs.set(b.digest, b);
      const descriptor = { mediaType: manifestType, digest: manifestBlob.digest, size: manifestBlob.size };
      if (tags.length === 0) index.push(descriptor);
      for (const tag of tags) {
        const ref = parseReference(tag);
        index.push({ ...descriptor, annotations: { [ANNOTATION_IMAGE_NAME]: tag, [ANNOTATION_REF_NAME]: ref.tag ?? "latest" } });
        const top = layers.at(-1);
        if (top !== undefined) (repositories[familiarRepository(ref)] ??= {})[ref.tag ?? "latest"] = hexOf(top.digest);
      }
      manifestJson.push({
        Config: blobPath(configBlob.digest),
        RepoTags: tags.length === 0 ? null : tags.map(familiar),
        Layers: layers.map((l) => blobPath(l.digest)),
      });
    }
    await tar.directory("blobs/");
    await tar.directory("blobs/sha256/");
    for (const b of blobs.values()) await tar.file(blobPath(b.digest), b.size, b.open());
    await tar.bytes("index.json", `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: index })}\n`);
    await tar.bytes("manifest.json", `${JSON.stringify(manifestJson)}\n`);
    await tar.bytes("oci-layout", `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
    if (Object.keys(repositories).length > 0) await tar.bytes("repositories", `${JSON.stringify(repositories)}\n`);
    await tar.finish();
  } catch (err) {
    tar.abort(err as Error);
    throw err;
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
}

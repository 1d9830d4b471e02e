/**
 * Loading a docker-archive as `docker save` writes it: `manifest.json` lists each image's config
 * file, tags and layer files. Both layouts are read: the classic one (`<id>/layer.tar`,
 * `<hex>.json`, `repositories`) and Docker 25's, where the paths point into an OCI layout's
 * `blobs/sha256/` and `index.json` holds the original manifests (reused, so the manifest digest
 * survives a save/load round trip). Layers may be uncompressed, gzip or zstd.
 */
import type { ImageStore } from "../store/images.ts";
import { documentKind, parseConfig, parseIndex, parseManifest, type ImageManifest } from "../store/manifest.ts";
import { OCI_CONFIG, OCI_MANIFEST, ociLayerType, type Compression } from "../store/media-types.ts";
import { ArchiveError, type ArchiveFiles } from "./files.ts";
import { commitImage, type LoadedImage } from "./loaded.ts";
import { blobPath } from "./read-oci.ts";

interface ManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function parseManifestJson(bytes: Buffer, archive: string): ManifestEntry[] {
  const source = `manifest.json in ${archive}`;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ArchiveError(archive, `manifest.json is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(doc)) throw new ArchiveError(archive, "manifest.json is not a JSON array");
  return doc.map((e: unknown, i) => {
    const entry = e as Partial<Record<string, unknown>> | null;
    const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (entry === null || typeof entry !== "object" || typeof entry.Config !== "string") throw new ArchiveError(archive, `${source}: entry ${i} has no Config`);
    if (!isStrings(entry.Layers)) throw new ArchiveError(archive, `${source}: entry ${i} has no Layers list`);
    if (entry.RepoTags !== undefined && entry.RepoTags !== null && !isStrings(entry.RepoTags)) throw new ArchiveError(archive, `${source}: entry ${i} has invalid RepoTags`);
    return { Config: entry.Config, Layers: entry.Layers, RepoTags: (entry.RepoTags as string[] | null | undefined) ?? [] };
  });
}

/** A digest a path claims by its name (`blobs/sha256/<hex>`, `<hex>.json`, skopeo's `<hex>.tar`). */
function claimedDigest(path: string): string | undefined {
  const m = /(?:^|\/)(?:sha256\/)?([0-9a-f]{64})(?:\.json|\.tar)?$/.exec(path);
  return m?.[1] === undefined ? undefined : `sha256:${m[1]}`;
}

async function checkedDigest(files: ArchiveFiles, path: string): Promise<{ digest: string; size: number }> {
  if (!files.has(path)) throw new ArchiveError(files.name, `manifest.json names ${JSON.stringify(path)}, which is not in the archive`);
  const actual = await files.digest(path);
  const claimed = claimedDigest(path);
  if (claimed !== undefined && claimed !== actual.digest) {
    throw new ArchiveError(files.name, `${JSON.stringify(path)} has digest ${actual.digest}, not the ${claimed} its name says`);
  }
  return actual;
}

/** The image manifests index.json holds (Docker ≥ 25), to reuse the one matching a config and layers. */
function ociManifests(files: ArchiveFiles): { digest: string; size: number; manifest: ImageManifest }[] {
  if (!files.has("index.json")) return [];
  const out: { digest: string; size: number; manifest: ImageManifest }[] = [];
  const visit = (digest: string, size: number, depth: number) => {
    const path = blobPath(digest);
    if (depth > 4 || !files.has(path)) return;
    try {
      const bytes = files.read(path);
      if (documentKind(bytes, path) === "manifest") out.push({ digest, size, manifest: parseManifest(bytes, path) });
      else for (const m of parseIndex(bytes, path).manifests) visit(m.digest, m.size, depth + 1);
    } catch {
      // Not usable: the manifest is built from manifest.json instead.
    }
  };
  try {
    for (const m of parseIndex(files.read("index.json"), "index.json").manifests) visit(m.digest, m.size, 0);
  } catch {
    return [];
  }
  return out;
}

export async function loadDockerArchive(files: ArchiveFiles, store: ImageStore): Promise<LoadedImage[]> {
  const entries = parseManifestJson(files.read("manifest.json"), files.name);
  if (entries.length === 0) throw new ArchiveError(files.name, "manifest.json lists no image");
  const candidates = ociManifests(files);
  const loaded: LoadedImage[] = [];
  for (const entry of entries) {
    const cfg = await checkedDigest(files, entry.Config);
    const config = parseConfig(files.read(entry.Config), `${entry.Config} in ${files.name}`);
    if (config.rootfs.diff_ids.length !== entry.Layers.length) {
      throw new ArchiveError(files.name, `manifest.json lists ${entry.Layers.length} layers for ${entry.Config}, whose rootfs has ${config.rootfs.diff_ids.length} diff_ids`);
    }
    const layers: { path: string; digest: string; size: number; compression: Compression }[] = [];
    for (const [i, path] of entry.Layers.entries()) {
      const blob = await checkedDigest(files, path);
      const { diffId, compression } = await files.diffId(path);
      if (diffId !== config.rootfs.diff_ids[i]) {
        throw new ArchiveError(files.name, `layer ${JSON.stringify(path)} unpacks to ${diffId}, but ${entry.Config} expects ${config.rootfs.diff_ids[i]}`);
      }
      layers.push({ path, ...blob, compression });
    }
    await files.store(store.content, entry.Config);
    for (const l of layers) await files.store(store.content, l.path);
    const same = candidates.find(
      (c) => c.manifest.config.digest === cfg.digest && c.manifest.layers.length === layers.length && c.manifest.layers.every((l, i) => l.digest === layers[i]?.digest),
    );
    let manifest: string;
    if (same !== undefined) {
      manifest = (await files.store(store.content, blobPath(same.digest), { digest: same.digest, size: same.size })).digest;
    } else {
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({ mediaType: ociLayerType(l.compression), digest: l.digest, size: l.size })),
      };
      manifest = store.content.writeBytes(Buffer.from(JSON.stringify(doc)));
    }
    loaded.push(commitImage(store, manifest, entry.RepoTags, files.name));
  }
  return loaded;
}

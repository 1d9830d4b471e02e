/**
 * Loading an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`): every manifest
 * index.json names, through nested indexes down to the image manifest for the wanted platform.
 * Every blob is checked against its descriptor (digest and size) and every layer against the
 * config's diff_ids before anything enters the store.
 */
import type { ImageStore } from "../store/images.ts";
import { documentKind, parseConfig, parseIndex, parseManifest, type Descriptor, type Platform } from "../store/manifest.ts";
import { formatPlatform, platformMatches } from "../store/platform.ts";
import { hexOf } from "../store/digest.ts";
import { ArchiveError, type ArchiveFiles } from "./files.ts";
import { commitImage, type LoadedImage } from "./loaded.ts";

const MAX_INDEX_DEPTH = 4;

export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
export const ANNOTATION_IMAGE_NAME = "io.containerd.image.name";

export function blobPath(digest: string): string {
  return `blobs/sha256/${hexOf(digest)}`;
}

/** The image name a descriptor's annotations give, as docker reads them (a bare tag names no repository). */
export function nameFromAnnotations(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.[ANNOTATION_IMAGE_NAME];
  if (full !== undefined && full !== "") return full;
  const ref = annotations?.[ANNOTATION_REF_NAME];
  return ref !== undefined && /[/:@]/.test(ref) ? ref : undefined;
}

/** Check a blob of the layout against its descriptor (digest and size); returns its path. */
async function checkBlob(files: ArchiveFiles, desc: Descriptor, what: string): Promise<string> {
  const path = blobPath(desc.digest);
  if (!files.has(path)) throw new ArchiveError(files.name, `${what} ${desc.digest} is missing (no ${path})`);
  const actual = await files.digest(path);
  if (actual.digest !== desc.digest) throw new ArchiveError(files.name, `${path} has digest ${actual.digest}, not ${desc.digest}`);
  if (actual.size !== desc.size) throw new ArchiveError(files.name, `${path} is ${actual.size} bytes, its descriptor says ${desc.size}`);
  return path;
}

/** A blob of the layout, checked against its descriptor, read into memory (manifests, indexes, configs). */
async function readBlob(files: ArchiveFiles, desc: Descriptor, what: string): Promise<Buffer> {
  return files.read(await checkBlob(files, desc, what));
}

function isAttestation(desc: Descriptor): boolean {
  return desc.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" || desc.platform?.os === "unknown";
}

/** The image manifest descriptors index.json leads to, with the names given at the top level. */
async function collect(files: ArchiveFiles, platform: Platform): Promise<{ desc: Descriptor; bytes: Buffer; names: string[] }[]> {
  const source = `index.json in ${files.name}`;
  const top = parseIndex(files.read("index.json"), source);
  const found: { desc: Descriptor; bytes: Buffer; names: string[] }[] = [];
  async function walk(desc: Descriptor, names: string[], depth: number): Promise<void> {
    const bytes = await readBlob(files, desc, "manifest");
    const what = `${blobPath(desc.digest)} in ${files.name}`;
    if (documentKind(bytes, what) === "manifest") {
      const seen = found.find((f) => f.desc.digest === desc.digest);
      if (seen) seen.names.push(...names.filter((n) => !seen.names.includes(n)));
      else found.push({ desc, bytes, names: [...names] });
      return;
    }
    if (depth >= MAX_INDEX_DEPTH) throw new ArchiveError(files.name, `indexes nested deeper than ${MAX_INDEX_DEPTH} at ${desc.digest}`);
    const nested = parseIndex(bytes, what).manifests.filter((m) => !isAttestation(m));
    const withPlatform = nested.filter((m) => m.platform !== undefined);
    const chosen = withPlatform.length === 0 ? nested : withPlatform.filter((m) => platformMatches(m.platform as Platform, platform)).slice(0, 1);
    if (chosen.length === 0) {
      const have = withPlatform.map((m) => formatPlatform(m.platform as Platform)).join(", ");
      throw new ArchiveError(files.name, `index ${desc.digest} has no image for ${formatPlatform(platform)} (it has ${have})`);
    }
    for (const m of chosen) await walk(m, names, depth + 1);
  }
  for (const desc of top.manifests) {
    const name = nameFromAnnotations(desc.annotations);
    await walk(desc, name === undefined ? [] : [name], 0);
  }
  return found;
}

export async function loadOciLayout(files: ArchiveFiles, store: ImageStore, platform: Platform): Promise<LoadedImage[]> {
  if (files.has("oci-layout")) {
    let version: unknown;
    try {
      version = (JSON.parse(files.read("oci-layout").toString("utf8")) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch (err) {
      throw new ArchiveError(files.name, "oci-layout is not valid JSON", { cause: err });
    }
    if (typeof version !== "string" || !version.startsWith("1.")) throw new ArchiveError(files.name, `unsupported imageLayoutVersion ${JSON.stringify(version)} in oci-layout`);
  }
  const images = await collect(files, platform);
  if (images.length === 0) throw new ArchiveError(files.name, "index.json names no image");
  const loaded: LoadedImage[] = [];
  for (const { desc, bytes, names } of images) {
    const where = `${blobPath(desc.digest)} in ${files.name}`;
    const manifest = parseManifest(bytes, where);
    const configBytes = await readBlob(files, manifest.config, "config");
    const config = parseConfig(configBytes, `config ${blobPath(manifest.config.digest)} in ${files.name}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ArchiveError(files.name, `manifest ${desc.digest} has ${manifest.layers.length} layers, its config ${manifest.config.digest} ${config.rootfs.diff_ids.length} diff_ids`);
    }
    for (const [i, layer] of manifest.layers.entries()) {
      await checkBlob(files, layer, "layer");
      const { diffId } = await files.diffId(blobPath(layer.digest));
      if (diffId !== config.rootfs.diff_ids[i]) {
        throw new ArchiveError(files.name, `layer ${layer.digest} unpacks to ${diffId}, but config ${manifest.config.digest} expects ${config.rootfs.diff_ids[i]}`);
      }
    }
    for (const d of [manifest.config, ...manifest.layers, desc]) await files.store(store.content, blobPath(d.digest), { digest: d.digest, size: d.size });
    loaded.push(commitImage(store, desc.digest, names));
  }
  return loaded;
}

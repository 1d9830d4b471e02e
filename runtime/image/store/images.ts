/**
 * The image index: which images exist (by ID, the digest of their config), the manifest each one
 * was stored with, and the tags and repo digests that name them. It is one JSON file,
 * `${root}/images/index.json`, replaced atomically; every change is a read-modify-write under
 * an flock lock, so concurrent berth commands never lose each other's updates. Readers read
 * without the lock (they see the old file or the new one).
 */
import { readFileSync } from "node:fs";
import { FileLock, writeFileAtomic } from "../../../lib/store/index.ts";
import { displayReference, familiar, parseReference, repositoryOf } from "../reference.ts";
import { ContentStore } from "./content.ts";
import { ImageConflictError, ImageIndexError, NoSuchImageError } from "./errors.ts";
import { parseConfig, parseManifest, type Descriptor, type OciImageConfig } from "./manifest.ts";
import type { ImageRecord } from "./record.ts";
import { DEFAULT_ROOT } from "./defaults.ts";
import { normalizeRepoDigest, normalizeTag, resolveImage, type Resolved } from "./resolve.ts";

export type { ImageRecord } from "./record.ts";

export { DEFAULT_ROOT } from "./defaults.ts";

export interface ImageStoreOptions {
  /** Whether a container uses the image: rmi refuses (untags only with force), prune keeps it. */
  isInUse?: (image: ImageRecord) => boolean;
}

/** Called by prune with the images that remain, after unreferenced blobs are gone (the layers code removes unused snapshots). */
export type PruneHook = (images: readonly ImageRecord[], store: ImageStore) => void;

interface IndexFile {
  version: 1;
  images: ImageRecord[];
}

export class ImageStore {
  readonly root: string;
  readonly content: ContentStore;
  readonly indexFile: string;
  readonly #lockFile: string;
  readonly #isInUse: (image: ImageRecord) => boolean;
  readonly #pruneHooks: PruneHook[] = [];

  private constructor(root: string, options: ImageStoreOptions) {
    this.root = root;
    this.content = new ContentStore(root);
    this.indexFile = `${root}/images/index.json`;
    this.#lockFile = `${root}/images/index.lock`;
    this.#isInUse = options.isInUse ?? (() => false);
  }

  static open(root: string = DEFAULT_ROOT, options: ImageStoreOptions = {}): ImageStore {
    return new ImageStore(root, options);
  }

  addPruneHook(hook: PruneHook): void {
    this.#pruneHooks.push(hook);
  }

  #read(): IndexFile {
    let text: string;
    try {
      text = readFileSync(this.indexFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, images: [] };
      throw new ImageIndexError(this.indexFile, "cannot be read", { cause: err });
    }
    let doc: IndexFile;
    try {
      doc = JSON.parse(text) as IndexFile;
    } catch (err) {
      throw new ImageIndexError(this.indexFile, "is not valid JSON: restore it or remove it (the blobs stay in content/)", { cause: err });
    }
    if (doc.version !== 1 || !Array.isArray(doc.images)) throw new ImageIndexError(this.indexFile, `has an unknown format (version ${JSON.stringify(doc.version)})`);
    return doc;
  }

  #mutate<T>(fn: (index: IndexFile) => T): T {
    const lock = FileLock.acquire(this.#lockFile);
    try {
      const index = this.#read();
      const result = fn(index);
      writeFileAtomic(this.indexFile, `${JSON.stringify(index, null, 1)}\n`, { mkdirMode: 0o755 });
      return result;
    } finally {
      lock.release();
    }
  }

  /** Add or update an image (its blobs must all be stored); its tags and repo digests move to it from any other image. */
  put(record: { manifest: string; repoTags?: string[]; repoDigests?: string[] }): ImageRecord {
    const manifest = parseManifest(this.content.read(record.manifest), `manifest ${record.manifest}`);
    const missing = [manifest.config, ...manifest.layers].find((d) => !this.content.has(d.digest));
    if (missing !== undefined) throw new ImageIndexError(this.indexFile, `manifest ${record.manifest} names blob ${missing.digest}, which is not stored`);
    const config = parseConfig(this.content.read(manifest.config.digest), `config ${manifest.config.digest}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ImageIndexError(
        this.indexFile,
        `manifest ${record.manifest} has ${manifest.layers.length} layers but its config ${manifest.config.digest} lists ${config.rootfs.diff_ids.length} diff_ids`,
      );
    }
    const tags = (record.repoTags ?? []).map(normalizeTag);
    const digests = (record.repoDigests ?? []).map(normalizeRepoDigest);
    return this.#mutate((index) => {
      for (const other of index.images) {
        other.repoTags = other.repoTags.filter((t) => !tags.includes(t));
        other.repoDigests = other.repoDigests.filter((d) => !digests.includes(d));
      }
      let image = index.images.find((i) => i.id === manifest.config.digest);
      if (image === undefined) {
        image = { id: manifest.config.digest, manifest: record.manifest, repoTags: [], repoDigests: [] };
        index.images.push(image);
      }
      image.manifest = record.manifest;
      image.repoTags = [...new Set([...image.repoTags, ...tags])];
      image.repoDigests = [...new Set([...image.repoDigests, ...digests])];
      if (config.created !== undefined) image.created = config.created;
      return { ...image };
    });
  }

  get(refOrId: string): ImageRecord | undefined {
    return resolveImage(this.#read().images, refOrId)?.image;
  }

  /** Like get, but throws NoSuchImageError naming the reference. */
  require(refOrId: string): ImageRecord {
    const image = this.get(refOrId);
    if (image === undefined) throw new NoSuchImageError(displayReference(refOrId));
    return image;
  }

  list(): ImageRecord[] {
    return this.#read().images;
  }

  tag(refOrId: string, newRef: string): void {
    const tag = normalizeTag(newRef);
    this.#mutate((index) => {
      const found = this.#resolveOrThrow(index, refOrId);
      for (const other of index.images) other.repoTags = other.repoTags.filter((t) => t !== tag);
      found.image.repoTags.push(tag);
    });
  }

  untag(ref: string): void {
    const tag = normalizeTag(ref);
    this.#mutate((index) => {
      const image = index.images.find((i) => i.repoTags.includes(tag));
      if (image === undefined) throw new NoSuchImageError(familiar(tag));
      image.repoTags = image.repoTags.filter((t) => t !== tag);
    });
  }

  /**
   * Docker's rmi: a name removes that name, and the image goes with its last name; an ID removes
   * the image with all its names (refused when they span several repositories, unless forced).
   * An image in use is only untagged with force, refused without. Blobs no other image uses are
   * deleted. Returns docker's lines: "Untagged: busybox:latest", "Deleted: sha256:…".
   */
  remove(refOrId: string, opts: { force?: boolean } = {}): string[] {
    return this.#mutate((index) => {
      const found = this.#resolveOrThrow(index, refOrId);
      const image = found.image;
      const lines: string[] = [];
      const untag = (refs: string[]) => refs.forEach((r) => lines.push(`Untagged: ${familiar(r)}`));
      if (found.by === "tag" || found.by === "digest") {
        const named = found.ref ?? "";
        image.repoTags = image.repoTags.filter((t) => t !== named);
        image.repoDigests = image.repoDigests.filter((d) => d !== named);
        untag([named]);
        if (image.repoTags.length > 0) return lines;
        const repo = repositoryOf(parseReference(named));
        untag(image.repoDigests.filter((d) => repositoryOf(parseReference(d)) === repo));
        image.repoDigests = image.repoDigests.filter((d) => repositoryOf(parseReference(d)) !== repo);
        if (image.repoDigests.length > 0) return lines;
      } else {
        const repos = new Set([...image.repoTags, ...image.repoDigests].map((r) => repositoryOf(parseReference(r))));
        if (repos.size > 1 && opts.force !== true) throw new ImageConflictError(image.id, "image is referenced in multiple repositories");
        if (this.#isInUse(image) && opts.force !== true) throw new ImageConflictError(image.id, "image is being used by a container");
        untag([...image.repoTags, ...image.repoDigests]);
        image.repoTags = [];
        image.repoDigests = [];
      }
      if (this.#isInUse(image)) {
        if (opts.force !== true) throw new ImageConflictError(image.id, "image is being used by a container");
        return lines; // kept, untagged, for the container that uses it
      }
      index.images = index.images.filter((i) => i !== image);
      lines.push(`Deleted: ${image.id}`);
      const live = this.#liveBlobs(index.images);
      for (const digest of this.#blobsOf(image)) if (!live.has(digest)) this.content.delete(digest);
      return lines;
    });
  }

  manifestOf(img: ImageRecord): { config: Descriptor; layers: Descriptor[]; mediaType: string } {
    const m = parseManifest(this.content.read(img.manifest), `manifest ${img.manifest}`);
    return { config: m.config, layers: m.layers, mediaType: m.mediaType };
  }

  configOf(img: ImageRecord): OciImageConfig {
    return parseConfig(this.content.read(img.id), `config ${img.id}`);
  }

  /** The image's size as docker shows it: the sum of its layers (as stored). */
  sizeOf(img: ImageRecord): number {
    return this.manifestOf(img).layers.reduce((n, l) => n + l.size, 0);
  }

  /** Remove blobs no image references (and stale ingest files); then the prune hooks run. */
  prune(): { blobs: string[]; bytes: number } {
    const lease = this.content.lease({ exclusive: true });
    try {
      const lock = FileLock.acquire(this.#lockFile);
      let images: ImageRecord[];
      const removed: string[] = [];
      let bytes = 0;
      try {
        images = this.#read().images;
        const live = this.#liveBlobs(images);
        for (const digest of this.content.list()) {
          if (live.has(digest)) continue;
          bytes += this.content.size(digest) ?? 0;
          this.content.delete(digest);
          removed.push(digest);
        }
        this.content.cleanIngest();
      } finally {
        lock.release();
      }
      for (const hook of this.#pruneHooks) hook(images, this);
      return { blobs: removed, bytes };
    } finally {
      lease.release();
    }
  }

  #resolveOrThrow(index: IndexFile, refOrId: string): Resolved {
    const found = resolveImage(index.images, refOrId);
    if (found === undefined) throw new NoSuchImageError(displayReference(refOrId));
    return found;
  }

  #blobsOf(image: ImageRecord): string[] {
    const blobs = [image.manifest, image.id];
    try {
      blobs.push(...this.manifestOf(image).layers.map((l) => l.digest));
    } catch {
      // A missing or broken manifest: its other blobs are found by prune.
    }
    // An index stored with the image (a registry's multi-platform answer) is named by its repo digests.
    for (const d of image.repoDigests) blobs.push(d.slice(d.indexOf("@") + 1));
    return blobs;
  }

  #liveBlobs(images: readonly ImageRecord[]): Set<string> {
    return new Set(images.flatMap((i) => this.#blobsOf(i)));
  }
}

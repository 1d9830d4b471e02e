/**
 * `berth push`: put an image's blobs into a repository (a few at a time; present ones skipped,
 * ones another repository of the registry has mounted), then its manifest, last, under the tag.
 * An index is pushed with its platform manifests (each by digest) before the index itself.
 */
import { formatReference, parseReference, repositoryOf, type ImageReference } from "../image/reference.ts";
import { pushScope } from "./auth.ts";
import { RegistryClient, type ClientOptions } from "./client.ts";
import { DigestMismatchError } from "./errors.ts";
import { registryOperation } from "./operation.ts";
import type { BlobRole, EventListener } from "./events.ts";
import { MANIFEST_SIZE_MAX, parseManifest, type AnyManifest } from "./manifest.ts";
import { DEFAULT_CONCURRENCY } from "./pull.ts";
import { forEachLimit } from "./pool.ts";
import { uploadBlob } from "./upload.ts";
import { VerifyingStream } from "./verify.ts";

/** Where pushed blobs come from: the content store, or anything with its size/stream contract. */
export interface BlobSource {
  size(digest: string): number | Promise<number>;
  stream(digest: string): AsyncIterable<Uint8Array>;
}

export interface PushSource extends BlobSource {
  /** Digest of the manifest (or index) to push; the blob itself comes from stream(). */
  manifest: string;
}

export interface PushOptions extends ClientOptions {
  /** Repositories ("127.0.0.1:5000/other") that may already hold the blobs: mounted from when on the same registry. */
  mountFrom?: readonly string[];
  /** Blobs larger than this are uploaded in PATCH chunks of this size (default 64 MiB). */
  chunkSize?: number;
  concurrency?: number;
  onEvent?: EventListener;
}

export interface PushResult {
  reference: string;
  repository: string;
  /** The digest of the pushed manifest (what the tag now points to). */
  digest: string;
  uploaded: string[];
  mounted: string[];
  present: string[];
}

export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;

async function readManifest(source: BlobSource, digest: string): Promise<{ bytes: Uint8Array; manifest: AnyManifest }> {
  const size = await source.size(digest);
  if (size > MANIFEST_SIZE_MAX) throw new Error(`manifest ${digest} is ${size} bytes, more than the ${MANIFEST_SIZE_MAX} a registry accepts`);
  const parts: Uint8Array[] = [];
  for await (const chunk of new VerifyingStream(source.stream(digest), { digest, size }, `manifest ${digest}`)) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  return { bytes, manifest: parseManifest(bytes, undefined, digest) };
}

/** Push the image `source.manifest` as `reference`. Throws a RegistryError naming the image. */
export async function push(reference: string | ImageReference, source: PushSource, options: PushOptions = {}): Promise<PushResult> {
  return registryOperation("push", reference, options.signal, (ref, stop) => pushFrom(ref, source, options, stop));
}

async function pushFrom(ref: ImageReference, source: PushSource, options: PushOptions, stop: AbortController): Promise<PushResult> {
  const client = new RegistryClient(ref.domain, { ...options, signal: stop.signal });
  const repository = ref.path;
  const emit = options.onEvent ?? (() => undefined);
  const mountFrom = (options.mountFrom ?? []).flatMap((hint) => {
    try {
      const parsed = parseReference(hint);
      return parsed.domain === ref.domain && parsed.path !== repository ? [parsed.path] : [];
    } catch {
      return [];
    }
  });
  const result: PushResult = { reference: formatReference(ref), repository: repositoryOf(ref), digest: source.manifest, uploaded: [], mounted: [], present: [] };

  const pushBlobs = async (blobs: { digest: string; size: number; role: BlobRole }[]) => {
    emit({ type: "resolved", digest: source.manifest, blobs });
    await forEachLimit(
      blobs,
      options.concurrency ?? DEFAULT_CONCURRENCY,
      async (blob) => {
        let done = 0;
        const outcome = await uploadBlob({
          client,
          repository,
          blob,
          mountFrom,
          chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
          open: () => {
            emit({ type: "start", ...blob });
            return new VerifyingStream(source.stream(blob.digest), blob, `${blob.role} ${blob.digest}`, (n) => {
              done += n;
              emit({ type: "progress", ...blob, done });
            });
          },
        });
        if (outcome.how === "exists") {
          result.present.push(blob.digest);
          emit({ type: "exists", ...blob });
        } else if (outcome.how === "mounted") {
          result.mounted.push(blob.digest);
          emit({ type: "mounted", ...blob, from: outcome.from });
        } else {
          result.uploaded.push(blob.digest);
          emit({ type: "done", ...blob });
        }
      },
      () => stop.abort(),
    );
  };

  const putManifest = async (digest: string, tagOrDigest: string): Promise<void> => {
    const { bytes, manifest } = await readManifest(source, digest);
    if (manifest.kind === "index") {
      for (const child of manifest.manifests) await putManifest(child.digest, child.digest);
    } else {
      const blobs = new Map<string, { digest: string; size: number; role: BlobRole }>();
      blobs.set(manifest.config.digest, { digest: manifest.config.digest, size: manifest.config.size, role: "config" });
      for (const l of manifest.layers) if (!blobs.has(l.digest)) blobs.set(l.digest, { digest: l.digest, size: l.size, role: "layer" });
      await pushBlobs([...blobs.values()]);
    }
    const answer = await client.expect(
      await client.request({
        method: "PUT",
        target: `/v2/${repository}/manifests/${tagOrDigest}`,
        headers: { "content-type": manifest.mediaType },
        body: bytes,
        scopes: [pushScope(repository)],
      }),
      201,
    );
    await answer.discard();
    const announced = answer.headers.get("docker-content-digest");
    if (announced !== null && announced !== digest) throw new DigestMismatchError(`manifest ${digest} as stored by the registry`, digest, announced);
  };

  if (ref.digest !== undefined && ref.digest !== source.manifest) {
    throw new DigestMismatchError(`push by digest ${ref.digest}`, ref.digest, source.manifest);
  }
  await putManifest(source.manifest, ref.digest ?? (ref.tag as string));
  return result;
}

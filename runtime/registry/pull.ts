/**
 * `berth pull`: resolve a reference to a manifest (through an index to the wanted platform),
 * then fetch the config and layers a few at a time, skipping what the sink already holds, each
 * verified against its digest while it streams into the sink. The manifests are stored last, so
 * a stored image manifest means its blobs are all there; an interrupted pull run again fetches
 * only the blobs still missing.
 */
import { createHash } from "node:crypto";
import { formatReference, repositoryOf, type ImageReference } from "../image/reference.ts";
import { pullScope } from "./auth.ts";
import { RegistryClient, type ClientOptions } from "./client.ts";
import { AbortedError, DigestMismatchError } from "./errors.ts";
import { registryOperation } from "./operation.ts";
import type { BlobRole, EventListener } from "./events.ts";
import { MANIFEST_ACCEPT, MANIFEST_SIZE_MAX, ManifestError, parseManifest, type AnyManifest, type ImageManifest, type Platform } from "./manifest.ts";
import { hostPlatform, parsePlatform, selectPlatform } from "./platform.ts";
import { forEachLimit } from "./pool.ts";
import { VerifyingStream, once, type BlobRef } from "./verify.ts";

/** Where pulled blobs go: the content store, or anything with its has/write contract. */
export interface BlobSink {
  has(digest: string): boolean | Promise<boolean>;
  /**
   * Store the blob read from `source`; must store nothing when the source throws (it does
   * on a digest or size mismatch, or an abort). Resolves false when it was already there.
   */
  write(blob: BlobRef, source: AsyncIterable<Uint8Array>): Promise<boolean>;
}

export interface PullOptions extends ClientOptions {
  /** "os/arch[/variant]" or a Platform; default this machine's (linux/amd64). */
  platform?: string | Platform;
  /** Blobs fetched at once (default 3, like docker). */
  concurrency?: number;
  onEvent?: EventListener;
}

export interface PullResult {
  /** The normalised reference pulled: "127.0.0.1:5000/foo:latest". */
  reference: string;
  /** "127.0.0.1:5000/foo" */
  repository: string;
  /** The digest the registry has for the reference (the index's when it is one): the image's RepoDigest is repository@digest. */
  digest: string;
  /** The platform image manifest, stored in the sink. */
  manifestDigest: string;
  manifest: ImageManifest;
  /** The index the manifest was chosen from, stored too. */
  indexDigest?: string;
  /** Blobs transferred by this pull, and blobs the sink already had. */
  fetched: string[];
  present: string[];
}

export const DEFAULT_CONCURRENCY = 3;

interface FetchedManifest {
  bytes: Uint8Array;
  digest: string;
  manifest: AnyManifest;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function fetchManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest> {
  const response = await client.expect(
    await client.request({ method: "GET", target: `/v2/${repository}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: [pullScope(repository)] }),
    200,
  );
  const bytes = await response.bytes(MANIFEST_SIZE_MAX);
  const digest = sha256(bytes);
  const announced = response.headers.get("docker-content-digest");
  if (reference.startsWith("sha256:") && digest !== reference) throw new DigestMismatchError(`manifest ${reference}`, reference, digest);
  if (announced !== null && announced.startsWith("sha256:") && announced !== digest) {
    throw new DigestMismatchError(`manifest ${reference}`, announced, digest);
  }
  return { bytes, digest, manifest: parseManifest(bytes, response.headers.get("content-type") ?? undefined, digest) };
}

/** Pull `reference` into `sink`. Throws a RegistryError naming the image. */
export async function pull(reference: string | ImageReference, sink: BlobSink, options: PullOptions = {}): Promise<PullResult> {
  return registryOperation("pull", reference, options.signal, (ref, stop) => pullInto(ref, sink, options, stop));
}

async function pullInto(ref: ImageReference, sink: BlobSink, options: PullOptions, stop: AbortController): Promise<PullResult> {
  const client = new RegistryClient(ref.domain, { ...options, signal: stop.signal });
  const repository = ref.path;
  const emit = options.onEvent ?? (() => undefined);
  const top = await fetchManifest(client, repository, ref.digest ?? (ref.tag as string));
  let image = top;
  if (top.manifest.kind === "index") {
    const want = typeof options.platform === "string" ? parsePlatform(options.platform) : (options.platform ?? hostPlatform());
    const entry = selectPlatform(top.manifest.manifests, want);
    image = await fetchManifest(client, repository, entry.digest);
    if (image.manifest.kind !== "manifest") throw new ManifestError("an index entry points to another index (nested indexes are not supported)", entry.digest);
  }
  const manifest = image.manifest as ImageManifest;

  const blobs = new Map<string, { digest: string; size: number; role: BlobRole }>();
  blobs.set(manifest.config.digest, { digest: manifest.config.digest, size: manifest.config.size, role: "config" });
  for (const layer of manifest.layers) if (!blobs.has(layer.digest)) blobs.set(layer.digest, { digest: layer.digest, size: layer.size, role: "layer" });
  emit({ type: "resolved", digest: top.digest, blobs: [...blobs.values()] });

  const fetched: string[] = [];
  const present: string[] = [];
  await forEachLimit(
    [...blobs.values()],
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (blob) => {
      if (await sink.has(blob.digest)) {
        present.push(blob.digest);
        emit({ type: "exists", ...blob });
        return;
      }
      emit({ type: "start", ...blob });
      const response = await client.expect(
        await client.request({ method: "GET", target: `/v2/${repository}/blobs/${blob.digest}`, scopes: [pullScope(repository)] }),
        200,
      );
      let done = 0;
      const stream = new VerifyingStream(response.body(), blob, `${blob.role} ${blob.digest}`, (n) => {
        done += n;
        emit({ type: "progress", ...blob, done });
      });
      try {
        const wrote = await sink.write(blob, stream);
        if (wrote && !stream.verified) throw new Error(`the store took ${blob.role} ${blob.digest} without reading all of it`);
      } finally {
        await response.discard();
      }
      fetched.push(blob.digest);
      emit({ type: "done", ...blob });
    },
    () => stop.abort(),
  );
  if (options.signal?.aborted) throw new AbortedError({ cause: options.signal.reason });

  await storeManifest(sink, image);
  if (image !== top) await storeManifest(sink, top);
  return {
    reference: formatReference(ref),
    repository: repositoryOf(ref),
    digest: top.digest,
    manifestDigest: image.digest,
    manifest,
    ...(image !== top ? { indexDigest: top.digest } : {}),
    fetched,
    present,
  };
}

async function storeManifest(sink: BlobSink, m: FetchedManifest): Promise<void> {
  if (await sink.has(m.digest)) return;
  const blob = { digest: m.digest, size: m.bytes.length };
  await sink.write(blob, new VerifyingStream(once(m.bytes), blob, `manifest ${m.digest}`));
}

/**
 * `berth load`: images from a docker-archive (classic or Docker ≥ 25) or an OCI image layout,
 * given as a tar file, a directory, or a stream (stdin). The tar itself may be gzip or zstd
 * compressed (told by its first bytes). The store's GC lease is held throughout, so a
 * concurrent prune cannot remove blobs between their arrival and the index update.
 */
import { statSync } from "node:fs";
import type { ImageStore } from "../store/images.ts";
import type { Platform } from "../store/manifest.ts";
import { hostPlatform } from "../store/platform.ts";
import { autoDecompress, fileStream } from "./compression.ts";
import { ArchiveError, ArchiveFiles } from "./files.ts";
import type { LoadedImage } from "./loaded.ts";
import { loadDockerArchive } from "./read-docker.ts";
import { loadOciLayout } from "./read-oci.ts";

export type LoadInput = { path: string } | { stream: AsyncIterable<Uint8Array>; name: string };

export interface LoadOptions {
  /** The platform to pick from multi-platform indexes (default: this machine's). */
  platform?: Platform;
}

export async function loadImages(store: ImageStore, input: LoadInput, options: LoadOptions = {}): Promise<LoadedImage[]> {
  const lease = store.content.lease();
  let files: ArchiveFiles | undefined;
  try {
    if ("path" in input) {
      const st = statSync(input.path, { throwIfNoEntry: false });
      if (st === undefined) throw new ArchiveError(input.path, "no such file or directory");
      files = st.isDirectory()
        ? ArchiveFiles.fromDirectory(input.path)
        : await ArchiveFiles.fromTar(store.content, autoDecompress(fileStream(input.path)), input.path);
    } else {
      files = await ArchiveFiles.fromTar(store.content, autoDecompress(input.stream), input.name);
    }
    if (files.has("manifest.json")) return await loadDockerArchive(files, store);
    if (files.has("index.json")) return await loadOciLayout(files, store, options.platform ?? hostPlatform());
    throw new ArchiveError(files.name, "is neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)");
  } finally {
    files?.cleanup();
    lease.release();
  }
}

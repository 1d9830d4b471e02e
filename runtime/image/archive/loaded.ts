/** The result of loading one image, and the step that puts it in the index. */
import type { ImageStore } from "../store/images.ts";
import { normalizeTag } from "../store/resolve.ts";
import { ArchiveError } from "./files.ts";

export interface LoadedImage {
  /** "sha256:…" (the config digest). */
  id: string;
  /** Normalised tags the image now carries from the archive. */
  repoTags: string[];
  /** Tags that moved here from another image (docker: "renaming the old one … to empty string"). */
  replaced: { tag: string; oldId: string }[];
}

export function commitImage(store: ImageStore, manifest: string, names: readonly string[], archive?: string): LoadedImage {
  let tags: string[];
  try {
    tags = names.map(normalizeTag);
  } catch (err) {
    throw new ArchiveError(archive ?? "archive", (err as Error).message, { cause: err });
  }
  const before = tags.map((tag) => ({ tag, old: store.get(tag) }));
  const record = store.put({ manifest, repoTags: tags });
  const replaced = before.filter((b) => b.old !== undefined && b.old.id !== record.id).map((b) => ({ tag: b.tag, oldId: b.old?.id ?? "" }));
  return { id: record.id, repoTags: tags, replaced };
}

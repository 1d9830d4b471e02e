/**
 * Finding an image the way docker does from what a user typed: a name (tag defaults to latest),
 * a digest reference (`name@sha256:…`), a full ID (`sha256:…`) or an ID prefix (`3f57d9401f8d`).
 * A name that exists wins over an ID prefix that happens to look like it.
 */
import { formatReference, parseReference, repositoryOf, withDefaultTag, type ImageReference } from "../reference.ts";
import { AmbiguousImageError } from "./errors.ts";
import type { ImageRecord } from "./record.ts";

export interface Resolved {
  image: ImageRecord;
  /** How it was named: by ID (or prefix), by a tag, or by a digest reference. */
  by: "id" | "tag" | "digest";
  /** The normalised tag or digest reference when named by one. */
  ref?: string;
}

const ID_PREFIX_RE = /^(?:sha256:)?([0-9a-f]{1,64})$/;

function tryParse(input: string): ImageReference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}

export function resolveImage(images: readonly ImageRecord[], input: string): Resolved | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(input)) {
    const image = images.find((i) => i.id === input);
    return image && { image, by: "id" };
  }
  const parsed = tryParse(input);
  if (parsed !== undefined) {
    if (parsed.digest !== undefined) {
      const ref = `${repositoryOf(parsed)}@${parsed.digest}`;
      const image =
        images.find((i) => i.repoDigests.includes(ref)) ??
        images.find((i) => i.manifest === parsed.digest && [...i.repoTags, ...i.repoDigests].some((r) => sameRepository(r, parsed)));
      if (image) return { image, by: "digest", ref };
    } else {
      const ref = formatReference(withDefaultTag(parsed));
      const image = images.find((i) => i.repoTags.includes(ref));
      if (image) return { image, by: "tag", ref };
    }
  }
  const prefix = ID_PREFIX_RE.exec(input)?.[1];
  if (prefix === undefined) return undefined;
  const matches = images.filter((i) => i.id.startsWith(`sha256:${prefix}`));
  if (matches.length > 1) throw new AmbiguousImageError(input, matches.map((i) => i.id));
  const image = matches[0];
  return image && { image, by: "id" };
}

function sameRepository(full: string, ref: ImageReference): boolean {
  const parsed = tryParse(full);
  return parsed !== undefined && repositoryOf(parsed) === repositoryOf(ref);
}

/** A tag to store: normalised, tag defaulted, no digest. */
export function normalizeTag(input: string): string {
  const ref = parseReference(input);
  if (ref.digest !== undefined) throw new TypeError(`refusing to create a tag with a digest reference ${JSON.stringify(input)}`);
  return formatReference(withDefaultTag(ref));
}

/** A repo digest to store: "repository@sha256:…" (a tag in it is dropped). */
export function normalizeRepoDigest(input: string): string {
  const ref = parseReference(input);
  if (ref.digest === undefined) throw new TypeError(`repo digest ${JSON.stringify(input)} has no @sha256:… digest`);
  return `${repositoryOf(ref)}@${ref.digest}`;
}

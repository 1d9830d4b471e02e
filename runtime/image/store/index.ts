export { BlobNotFoundError, ContentStore, DigestMismatchError } from "./content.ts";
export { checkDigest, hexOf, InvalidDigestError, isDigest, sha256Digest, shortId } from "./digest.ts";
export { AmbiguousImageError, ImageConflictError, ImageIndexError, NoSuchImageError } from "./errors.ts";
export { DEFAULT_ROOT, ImageStore, type ImageRecord, type ImageStoreOptions, type PruneHook } from "./images.ts";
export {
  documentKind,
  ManifestError,
  parseConfig,
  parseDescriptor,
  parseIndex,
  parseManifest,
  type ContainerConfig,
  type Descriptor,
  type HistoryEntry,
  type ImageIndex,
  type ImageManifest,
  type OciImageConfig,
  type Platform,
} from "./manifest.ts";
export * from "./media-types.ts";
export { formatPlatform, hostPlatform, parsePlatform, platformMatches } from "./platform.ts";

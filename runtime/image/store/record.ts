/** One image in the index. images.ts re-exports it; it lives here so pure helpers can share it. */
export interface ImageRecord {
  /** "sha256:<hex of the config blob>": docker's image ID. */
  id: string;
  /** Digest of the stored manifest blob (OCI image manifest or Docker schema 2) naming config and layers. */
  manifest: string;
  /** Normalised full references: "docker.io/library/busybox:latest". */
  repoTags: string[];
  /** "docker.io/library/busybox@sha256:…" */
  repoDigests: string[];
  /** The config's creation time (ISO 8601), when it has one. */
  created?: string;
}

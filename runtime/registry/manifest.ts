/**
 * The manifest formats a registry serves, and their parsing: OCI image manifest and index,
 * Docker schema2 manifest and manifest list. Docker schema1 (signed JWS manifests) is refused:
 * registries stopped serving it and it carries no config blob.
 */
import { checkDigest } from "../image/store/digest.ts";

export const MediaType = {
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  DOCKER_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  DOCKER_SCHEMA1: "application/vnd.docker.distribution.manifest.v1+json",
  DOCKER_SCHEMA1_SIGNED: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
} as const;

/** The Accept header of a manifest GET: every format berth can pull, best first. */
export const MANIFEST_ACCEPT = [MediaType.OCI_INDEX, MediaType.DOCKER_LIST, MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST].join(", ");

/** A manifest is small; anything bigger is refused before it is read (docker uses 4 MiB too). */
export const MANIFEST_SIZE_MAX = 4 * 1024 * 1024;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: "manifest";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: "index";
  mediaType: string;
  manifests: Descriptor[];
}

export type AnyManifest = ImageManifest | ImageIndex;

export class ManifestError extends Error {
  readonly digest: string | undefined;
  constructor(message: string, digest?: string, options?: { cause?: unknown }) {
    super(digest ? `manifest ${digest}: ${message}` : `manifest: ${message}`, options);
    this.name = "ManifestError";
    this.digest = digest;
  }
}

function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.OCI_INDEX || mediaType === MediaType.DOCKER_LIST;
}

function descriptor(value: unknown, what: string, digest: string | undefined): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null) throw new ManifestError(`${what} is not an object`, digest);
  let checked: string;
  try {
    checked = checkDigest(d.digest, `${what} digest`);
  } catch (err) {
    throw new ManifestError((err as Error).message, digest, { cause: err });
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new ManifestError(`${what} ${checked} has no valid size`, digest);
  }
  return {
    mediaType: typeof d.mediaType === "string" ? d.mediaType : "",
    digest: checked,
    size: d.size,
    ...(d.platform !== undefined ? { platform: d.platform } : {}),
    ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
  };
}

/**
 * Parse a manifest's bytes. The media type is the body's own `mediaType` when it has one,
 * else the Content-Type the registry sent (`contentType`); OCI lets a manifest omit it.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string, digest?: string): AnyManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new ManifestError("not valid JSON", digest, { cause: err });
  }
  if (typeof json !== "object" || json === null) throw new ManifestError("not a JSON object", digest);
  const declared = typeof json.mediaType === "string" ? json.mediaType : (contentType ?? "").split(";")[0]?.trim() ?? "";
  if (json.schemaVersion === 1 || declared === MediaType.DOCKER_SCHEMA1 || declared === MediaType.DOCKER_SCHEMA1_SIGNED) {
    throw new ManifestError("Docker schema1 manifests are not supported (push the image again with a current tool)", digest);
  }
  if (Array.isArray(json.manifests) || isIndexType(declared)) {
    if (!Array.isArray(json.manifests)) throw new ManifestError("index without a manifests list", digest);
    return {
      kind: "index",
      mediaType: declared || MediaType.OCI_INDEX,
      manifests: json.manifests.map((m, i) => descriptor(m, `manifests[${i}]`, digest)),
    };
  }
  if (!Array.isArray(json.layers)) throw new ManifestError("image manifest without a layers list", digest);
  return {
    kind: "manifest",
    mediaType: declared || MediaType.OCI_MANIFEST,
    config: descriptor(json.config, "config", digest),
    layers: json.layers.map((l, i) => descriptor(l, `layers[${i}]`, digest)),
  };
}

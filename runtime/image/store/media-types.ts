/**
 * The media types of image manifests, indexes, configs and layers berth understands: the OCI
 * image spec's and their Docker schema 2 equivalents.
 */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
export const DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

export type Compression = "none" | "gzip" | "zstd";

const LAYERS: Record<string, Compression> = {
  [OCI_LAYER]: "none",
  [OCI_LAYER_GZIP]: "gzip",
  [OCI_LAYER_ZSTD]: "zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
  [DOCKER_LAYER]: "none",
  [DOCKER_LAYER_GZIP]: "gzip",
  [DOCKER_LAYER_ZSTD]: "zstd",
  [DOCKER_FOREIGN_LAYER_GZIP]: "gzip",
};

export const MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
export const INDEX_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
export const CONFIG_TYPES: readonly string[] = [OCI_CONFIG, DOCKER_CONFIG];

export function isLayerType(mediaType: string): boolean {
  return Object.hasOwn(LAYERS, mediaType);
}

/** How a layer of this media type is compressed (undefined for a type that is not a layer). */
export function layerCompression(mediaType: string): Compression | undefined {
  return Object.hasOwn(LAYERS, mediaType) ? LAYERS[mediaType] : undefined;
}

/** The OCI layer media type for a compression. */
export function ociLayerType(compression: Compression): string {
  return compression === "gzip" ? OCI_LAYER_GZIP : compression === "zstd" ? OCI_LAYER_ZSTD : OCI_LAYER;
}

/** The compression of a blob told by its first bytes (gzip 1f 8b, zstd 28 b5 2f fd), else none. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

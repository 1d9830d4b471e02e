/**
 * Image manifests, indexes and configs: their types and strict parsing. Every error names where
 * the document came from (a blob digest or an archive's file) and what is wrong with it.
 */
import { isDigest } from "./digest.ts";
import { CONFIG_TYPES, INDEX_TYPES, isLayerType, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST } from "./media-types.ts";

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
}

export class ManifestError extends Error {
  /** Where the document came from: "manifest sha256:…", "manifest.json in busybox.tar". */
  readonly source: string;
  constructor(source: string, reason: string, options?: { cause?: unknown }) {
    super(`${source}: ${reason}`, options);
    this.name = "ManifestError";
    this.source = source;
  }
}

function parseJson(bytes: Uint8Array | string, source: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new ManifestError(source, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ManifestError(source, "not a JSON object");
  return doc as Record<string, unknown>;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

export function parseDescriptor(v: unknown, source: string, what: string): Descriptor {
  if (typeof v !== "object" || v === null) throw new ManifestError(source, `${what} is not a descriptor object`);
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== "string") throw new ManifestError(source, `${what} has no mediaType`);
  if (!isDigest(d.digest)) throw new ManifestError(source, `${what} has an invalid digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new ManifestError(source, `${what} ${d.digest} has an invalid size ${JSON.stringify(d.size)}`);
  }
  if (d.annotations !== undefined && !isStringMap(d.annotations)) throw new ManifestError(source, `${what} ${d.digest} has invalid annotations`);
  return d as unknown as Descriptor;
}

/** What a manifest-like document is: an image manifest or an index (OCI index, Docker manifest list). */
export function documentKind(bytes: Uint8Array, source: string): "manifest" | "index" {
  const doc = parseJson(bytes, source);
  if (typeof doc.mediaType === "string") {
    if (MANIFEST_TYPES.includes(doc.mediaType)) return "manifest";
    if (INDEX_TYPES.includes(doc.mediaType)) return "index";
    throw new ManifestError(source, `unknown media type ${JSON.stringify(doc.mediaType)}`);
  }
  if (Array.isArray(doc.manifests)) return "index";
  if (doc.config !== undefined) return "manifest";
  throw new ManifestError(source, "neither an image manifest nor an index");
}

export function parseManifest(bytes: Uint8Array, source: string): ImageManifest {
  const doc = parseJson(bytes, source);
  if (doc.schemaVersion !== 2) throw new ManifestError(source, `schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (only 2)`);
  const mediaType = doc.mediaType ?? OCI_MANIFEST;
  if (typeof mediaType !== "string" || !MANIFEST_TYPES.includes(mediaType)) {
    throw new ManifestError(source, `unknown manifest media type ${JSON.stringify(mediaType)}`);
  }
  const config = parseDescriptor(doc.config, source, "config");
  if (!CONFIG_TYPES.includes(config.mediaType)) {
    throw new ManifestError(source, `config ${config.digest} has an unsupported media type ${JSON.stringify(config.mediaType)}`);
  }
  if (!Array.isArray(doc.layers)) throw new ManifestError(source, "has no layers array");
  const layers = doc.layers.map((l, i) => {
    const d = parseDescriptor(l, source, `layer ${i}`);
    if (!isLayerType(d.mediaType)) throw new ManifestError(source, `layer ${d.digest} has an unknown media type ${JSON.stringify(d.mediaType)}`);
    return d;
  });
  return { ...(doc as object), schemaVersion: 2, mediaType, config, layers } as ImageManifest;
}

export function parseIndex(bytes: Uint8Array, source: string): ImageIndex {
  const doc = parseJson(bytes, source);
  if (doc.schemaVersion !== 2) throw new ManifestError(source, `schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (only 2)`);
  const mediaType = doc.mediaType ?? OCI_INDEX;
  if (typeof mediaType !== "string" || !INDEX_TYPES.includes(mediaType)) throw new ManifestError(source, `unknown index media type ${JSON.stringify(mediaType)}`);
  if (!Array.isArray(doc.manifests)) throw new ManifestError(source, "has no manifests array");
  const manifests = doc.manifests.map((m, i) => parseDescriptor(m, source, `manifest ${i}`));
  return { ...(doc as object), schemaVersion: 2, mediaType, manifests } as ImageIndex;
}

export function parseConfig(bytes: Uint8Array, source: string): OciImageConfig {
  const doc = parseJson(bytes, source);
  if (typeof doc.architecture !== "string" || doc.architecture === "") throw new ManifestError(source, "has no architecture");
  if (typeof doc.os !== "string" || doc.os === "") throw new ManifestError(source, "has no os");
  const rootfs = doc.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (typeof rootfs !== "object" || rootfs === null || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) {
    throw new ManifestError(source, 'has no rootfs of type "layers" with diff_ids');
  }
  for (const id of rootfs.diff_ids) if (!isDigest(id)) throw new ManifestError(source, `has an invalid diff_id ${JSON.stringify(id)}`);
  if (doc.config !== undefined && doc.config !== null && (typeof doc.config !== "object" || Array.isArray(doc.config))) {
    throw new ManifestError(source, "config is not an object");
  }
  if (doc.history !== undefined && !Array.isArray(doc.history)) throw new ManifestError(source, "history is not an array");
  return { ...(doc as object), config: (doc.config ?? undefined) as ContainerConfig | undefined } as OciImageConfig;
}

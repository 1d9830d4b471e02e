/**
 * Images made inside a test, without a registry or docker: tar layers (busybox-static as a real
 * binary, whiteouts, opaque directories), configs, manifests, and the archives `docker save`
 * (classic and Docker 25 layouts) and OCI image layouts hold, written by hand.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export interface TarEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: Buffer | string;
  linkname?: string;
  mode?: number;
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function hex(digest: string): string {
  return digest.replace(/^sha256:/, "");
}

export async function tarBytes(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), ...(e.linkname ? { linkname: e.linkname } : {}) };
      if (type === "file") p.entry({ ...header, size: content?.length ?? 0 }, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      else p.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A root filesystem with Debian's busybox-static and a few applet symlinks. */
export function busyboxRootfs(): Promise<Buffer> {
  return tarBytes([
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", content: readFileSync("/bin/busybox"), mode: 0o755 },
    { name: "bin/sh", type: "symlink", linkname: "busybox" },
    { name: "bin/ls", type: "symlink", linkname: "busybox" },
    { name: "bin/cat", type: "symlink", linkname: "busybox" },
    { name: "etc/", type: "directory" },
    { name: "etc/hostname", content: "berth\n" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
  ]);
}

export type Compression = "none" | "gzip" | "zstd";

export function compress(bytes: Buffer, how: Compression): Buffer {
  if (how === "gzip") return gzipSync(bytes);
  if (how === "zstd") {
    const out = spawnSync("zstd", ["-q", "-c"], { input: bytes, maxBuffer: 1 << 30 });
    if (out.status !== 0) throw new Error(`zstd failed: ${out.stderr}`);
    return out.stdout;
  }
  return bytes;
}

const LAYER_TYPES: Record<Compression, string> = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
};

export interface FixtureImage {
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffId: string; mediaType: string; plain: Buffer }[];
  manifest: Buffer;
  manifestDigest: string;
}

export function makeImage(
  layerTars: readonly Buffer[],
  options: { compression?: readonly Compression[]; architecture?: string; cmd?: string[]; created?: string; diffIds?: string[] } = {},
): FixtureImage {
  const layers = layerTars.map((plain, i) => {
    const how = options.compression?.[i] ?? "none";
    const blob = compress(plain, how);
    return { blob, digest: sha256(blob), diffId: sha256(plain), mediaType: LAYER_TYPES[how], plain };
  });
  const created = options.created ?? "2024-01-02T03:04:05Z";
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: options.architecture ?? "amd64",
      os: "linux",
      config: { Env: ["PATH=/bin"], Cmd: options.cmd ?? ["/bin/sh"], WorkingDir: "/" },
      rootfs: { type: "layers", diff_ids: options.diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created, created_by: `/bin/sh -c step ${i}` })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return { config, configDigest, layers, manifest, manifestDigest: sha256(manifest) };
}

/** `docker save` before Docker 25: `<id>/layer.tar`, `<hex>.json`, manifest.json, repositories. Shared layers are symlinked, as docker does. */
export function classicArchive(images: readonly { image: FixtureImage; repoTags: string[] }[]): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const seen = new Map<string, string>();
  const manifest = images.map(({ image, repoTags }) => {
    const layerPaths = image.layers.map((l, i) => {
      const id = hex(sha256(`${image.configDigest} ${i} ${l.digest}`));
      entries.push({ name: `${id}/`, type: "directory" }, { name: `${id}/VERSION`, content: "1.0" }, { name: `${id}/json`, content: JSON.stringify({ id }) });
      const first = seen.get(l.digest);
      if (first === undefined) {
        entries.push({ name: `${id}/layer.tar`, content: l.blob });
        seen.set(l.digest, id);
      } else entries.push({ name: `${id}/layer.tar`, type: "symlink", linkname: `../${first}/layer.tar` });
      return `${id}/layer.tar`;
    });
    entries.push({ name: `${hex(image.configDigest)}.json`, content: image.config });
    return { Config: `${hex(image.configDigest)}.json`, RepoTags: repoTags, Layers: layerPaths };
  });
  entries.push({ name: "manifest.json", content: JSON.stringify(manifest) });
  entries.push({ name: "repositories", content: "{}" });
  return tarBytes(entries);
}

/** The files of an OCI image layout: blobs of the images, index.json naming their manifests (or any descriptors given). */
export function ociLayoutFiles(images: readonly FixtureImage[], index: object[], extraBlobs: readonly Buffer[] = []): TarEntry[] {
  const blobs = new Map<string, Buffer>();
  for (const image of images) {
    blobs.set(image.configDigest, image.config);
    blobs.set(image.manifestDigest, image.manifest);
    for (const l of image.layers) blobs.set(l.digest, l.blob);
  }
  for (const b of extraBlobs) blobs.set(sha256(b), b);
  return [
    { name: "oci-layout", content: JSON.stringify({ imageLayoutVersion: "1.0.0" }) },
    { name: "index.json", content: JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: index }) },
    { name: "blobs/", type: "directory" },
    { name: "blobs/sha256/", type: "directory" },
    ...[...blobs].map(([d, b]) => ({ name: `blobs/sha256/${hex(d)}`, content: b })),
  ];
}

export function descriptorOf(image: FixtureImage, annotations?: Record<string, string>, platform?: object): object {
  return {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: image.manifestDigest,
    size: image.manifest.length,
    ...(annotations ? { annotations } : {}),
    ...(platform ? { platform } : {}),
  };
}

/** Docker 25's `docker save`: an OCI layout plus manifest.json whose paths point into blobs/. */
export function docker25Archive(images: readonly { image: FixtureImage; repoTags: string[] }[]): Promise<Buffer> {
  const index = images.flatMap(({ image, repoTags }) =>
    repoTags.map((t) => descriptorOf(image, { "io.containerd.image.name": `docker.io/library/${t}`, "org.opencontainers.image.ref.name": t.split(":")[1] ?? "latest" })),
  );
  const manifest = images.map(({ image, repoTags }) => ({
    Config: `blobs/sha256/${hex(image.configDigest)}`,
    RepoTags: repoTags,
    Layers: image.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
  }));
  return tarBytes([...ociLayoutFiles(images.map((i) => i.image), index), { name: "manifest.json", content: JSON.stringify(manifest) }]);
}

/** Write entries as a directory tree. */
export function writeTree(dir: string, entries: readonly TarEntry[]): void {
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.type === "directory") mkdirSync(path, { recursive: true });
    else {
      mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      writeFileSync(path, e.content ?? "");
    }
  }
}

/** The entries of a tar (names, types, and contents of files). */
export async function readTar(bytes: Buffer): Promise<Map<string, { type: string; content: Buffer; linkname?: string }>> {
  const { extract } = await import("tar-stream");
  const ex = extract();
  const out = new Map<string, { type: string; content: Buffer; linkname?: string }>();
  const feeding = (async () => {
    ex.end(bytes);
  })();
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.set(entry.header.name, { type: entry.header.type ?? "file", content: Buffer.concat(chunks), ...(entry.header.linkname ? { linkname: entry.header.linkname } : {}) });
  }
  await feeding;
  return out;
}

/** Layers with whiteouts and an opaque directory, as an image built in steps would carry them. */
export async function layeredTars(): Promise<Buffer[]> {
  const base = await busyboxRootfs();
  const second = await tarBytes([
    { name: "etc/", type: "directory" },
    { name: "etc/.wh.hostname", content: "" },
    { name: "etc/motd", content: "layer two\n" },
    { name: "var/", type: "directory" },
    { name: "var/lib/", type: "directory" },
    { name: "var/lib/data/", type: "directory" },
    { name: "var/lib/data/a", content: "a\n" },
    { name: "var/lib/data/b", type: "link", linkname: "var/lib/data/a" },
  ]);
  const third = await tarBytes([
    { name: "var/lib/data/", type: "directory" },
    { name: "var/lib/data/.wh..wh..opq", content: "" },
    { name: "var/lib/data/c", content: "c\n" },
    { name: "bin/.wh.cat", content: "" },
  ]);
  return [base, second, third];
}

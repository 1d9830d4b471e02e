/** Loading docker-archives and OCI layouts, saving, importing a rootfs: what is stored, what round-trips, what is refused. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { importRootfs, loadImages, saveImages } from "../../runtime/image/archive/index.ts";
import { ImageStore } from "../../runtime/image/store/index.ts";
import {
  busyboxRootfs,
  classicArchive,
  compress,
  descriptorOf,
  docker25Archive,
  hex,
  layeredTars,
  makeImage,
  ociLayoutFiles,
  readTar,
  sha256,
  tarBytes,
  writeTree,
  type FixtureImage,
} from "../harness/image-fixtures.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/berth-test-archive-`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const storeAt = (name: string) => ImageStore.open(`${dir}/${name}`);
async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}
const load = (store: ImageStore, bytes: Buffer, name = "test.tar") => loadImages(store, { stream: once(bytes), name });

async function save(store: ImageStore, refs: string[]): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  await saveImages(store, refs, sink);
  return Buffer.concat(chunks);
}

const ingestEmpty = (store: ImageStore) => readdirSync(store.content.ingestDir).length === 0;

describe("load", () => {
  it("loads a classic docker-archive with plain, gzip and zstd layers, whiteouts and a layer shared by two images", async () => {
    const tars = await layeredTars();
    const a = makeImage(tars, { compression: ["none", "gzip", "zstd"] });
    const b = makeImage(tars.slice(0, 1), { cmd: ["/bin/ls"] });
    const store = storeAt("root");
    const loaded = await load(store, await classicArchive([{ image: a, repoTags: ["layered:1"] }, { image: b, repoTags: ["base:latest", "base:1"] }]));
    expect(loaded.map((l) => [l.id, l.repoTags])).toEqual([
      [a.configDigest, ["docker.io/library/layered:1"]],
      [b.configDigest, ["docker.io/library/base:latest", "docker.io/library/base:1"]],
    ]);
    const rec = store.require("layered:1");
    const m = store.manifestOf(rec);
    expect(m.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
    ]);
    // The blobs are the archive's bytes: whiteouts and the opaque marker are kept for the unpacker.
    for (const [i, l] of a.layers.entries()) expect(store.content.read(m.layers[i]?.digest ?? "").equals(l.blob)).toBe(true);
    const third = await readTar(a.layers[2]?.plain ?? Buffer.alloc(0));
    expect([...third.keys()]).toEqual(["var/lib/data/", "var/lib/data/.wh..wh..opq", "var/lib/data/c", "bin/.wh.cat"]);
    expect(store.configOf(store.require("base:1")).config?.Cmd).toEqual(["/bin/ls"]);
    expect(ingestEmpty(store)).toBe(true);
  });

  it("keeps the manifest of a Docker 25 archive (index.json inside), so the manifest digest survives", async () => {
    const image = makeImage(await layeredTars());
    const store = storeAt("root");
    const [loaded] = await load(store, await docker25Archive([{ image, repoTags: ["app:2"] }]));
    expect(loaded?.id).toBe(image.configDigest);
    expect(store.require("app:2").manifest).toBe(image.manifestDigest);
  });

  it("loads an OCI layout directory through nested indexes, choosing this machine's platform (or the one asked for)", async () => {
    const tars = await layeredTars();
    const amd = makeImage(tars.slice(0, 2), { compression: ["gzip", "zstd"] });
    const arm = makeImage(tars.slice(0, 1), { architecture: "arm64" });
    const attestation = makeImage([await tarBytes([{ name: "statement.json", content: "{}" }])], { architecture: "unknown" });
    const nested = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          descriptorOf(arm, undefined, { os: "linux", architecture: "arm64", variant: "v8" }),
          descriptorOf(amd, undefined, { os: "linux", architecture: "amd64" }),
          descriptorOf(attestation, { "vnd.docker.reference.type": "attestation-manifest" }, { os: "unknown", architecture: "unknown" }),
        ],
      }),
    );
    const top = { mediaType: "application/vnd.oci.image.index.v1+json", digest: sha256(nested), size: nested.length, annotations: { "org.opencontainers.image.ref.name": "registry.example:5000/multi:3" } };
    writeTree(`${dir}/layout`, ociLayoutFiles([amd, arm, attestation], [top], [nested]));
    const store = storeAt("root");
    const [loaded] = await loadImages(store, { path: `${dir}/layout` });
    expect(loaded).toMatchObject({ id: amd.configDigest, repoTags: ["registry.example:5000/multi:3"] });
    expect(store.manifestOf(store.require("registry.example:5000/multi:3")).layers.map((l) => l.digest)).toEqual(amd.layers.map((l) => l.digest));
    const [other] = await loadImages(storeAt("arm"), { path: `${dir}/layout` }, { platform: { os: "linux", architecture: "arm64" } });
    expect(other?.id).toBe(arm.configDigest);
    await expect(loadImages(storeAt("s390x"), { path: `${dir}/layout` }, { platform: { os: "linux", architecture: "s390x" } })).rejects.toThrow(
      `index ${top.digest} has no image for linux/s390x (it has linux/arm64/v8, linux/amd64)`,
    );
  });

  it("loads an OCI layout tar, itself gzip-compressed, with a bare tag name as an untagged image", async () => {
    const image = makeImage([await busyboxRootfs()]);
    const tar = await tarBytes(ociLayoutFiles([image], [descriptorOf(image, { "org.opencontainers.image.ref.name": "latest" })]));
    const [loaded] = await load(storeAt("root"), gzipSync(tar), "layout.tar.gz");
    expect(loaded).toEqual({ id: image.configDigest, repoTags: [], replaced: [] });
  });

  it("reports a tag taken over from another image", async () => {
    const store = storeAt("root");
    const one = makeImage([await tarBytes([{ name: "1", content: "1" }])]);
    const two = makeImage([await tarBytes([{ name: "2", content: "2" }])]);
    await load(store, await classicArchive([{ image: one, repoTags: ["x:1"] }]));
    const [loaded] = await load(store, await classicArchive([{ image: two, repoTags: ["x:1"] }]));
    expect(loaded?.replaced).toEqual([{ tag: "docker.io/library/x:1", oldId: one.configDigest }]);
  });
});

describe("load refuses damaged archives, naming what is wrong, and stores nothing", () => {
  async function refused(bytes: Buffer, message: string | RegExp): Promise<void> {
    const store = storeAt("bad");
    await expect(load(store, bytes, "bad.tar")).rejects.toThrow(message);
    expect(store.list()).toEqual([]);
    expect(store.content.list()).toEqual([]);
    expect(ingestEmpty(store)).toBe(true);
  }
  let image: FixtureImage;
  beforeEach(async () => {
    image = makeImage(await layeredTars(), { compression: ["none", "gzip", "none"] });
  });

  it("a blob whose content does not match its name", async () => {
    const files = ociLayoutFiles([image], [descriptorOf(image, { "io.containerd.image.name": "docker.io/library/x:1" })]);
    const layerPath = `blobs/sha256/${hex(image.layers[1]?.digest ?? "")}`;
    const tampered = files.map((f) => (f.name === layerPath ? { ...f, content: compress(Buffer.from("evil"), "gzip") } : f));
    await refused(await tarBytes(tampered), new RegExp(`bad.tar: ${layerPath} has digest sha256:[0-9a-f]{64}, not ${image.layers[1]?.digest}`));
  });

  it("a missing layer blob", async () => {
    const files = ociLayoutFiles([image], [descriptorOf(image)]).filter((f) => !f.name.endsWith(hex(image.layers[2]?.digest ?? "")));
    await refused(await tarBytes(files), `bad.tar: layer ${image.layers[2]?.digest} is missing (no blobs/sha256/${hex(image.layers[2]?.digest ?? "")})`);
  });

  it("a layer that does not unpack to the config's diff_id", async () => {
    const wrong = makeImage(await layeredTars(), { compression: ["none", "gzip", "none"], diffIds: [sha256("a"), sha256("b"), sha256("c")] });
    await refused(await classicArchive([{ image: wrong, repoTags: ["x:1"] }]), /layer "[0-9a-f]{64}\/layer.tar" unpacks to sha256:[0-9a-f]{64}, but [0-9a-f]{64}\.json expects sha256:ca978112/);
  });

  it("a config file whose name is not its digest", async () => {
    const tar = await tarBytes([
      { name: `${"0".repeat(64)}.json`, content: image.config },
      { name: "manifest.json", content: JSON.stringify([{ Config: `${"0".repeat(64)}.json`, RepoTags: [], Layers: [] }]) },
    ]);
    await refused(tar, `"${"0".repeat(64)}.json" has digest ${image.configDigest}, not the sha256:${"0".repeat(64)} its name says`);
  });

  it("broken JSON, an unknown media type, a path leaving the archive, and something that is no archive at all", async () => {
    await refused(await tarBytes([{ name: "manifest.json", content: "[{" }]), /^bad.tar: manifest.json is not valid JSON/);
    const bad = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.example.thing+json", config: {} }));
    const files = ociLayoutFiles([], [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha256(bad), size: bad.length }], [bad]);
    await refused(await tarBytes(files), `blobs/sha256/${hex(sha256(bad))} in bad.tar: unknown media type "application/vnd.example.thing+json"`);
    await refused(await tarBytes([{ name: "../escape", content: "x" }]), 'bad.tar: entry "../escape" leaves the archive (..)');
    await refused(Buffer.from("just some text, not a tar archive at all".repeat(20)), /bad.tar: is not a readable tar archive/);
    await refused(await tarBytes([{ name: "hello", content: "x" }]), "bad.tar: is neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)");
  });
});

describe("save", () => {
  it("writes Docker 25's layout with uncompressed layers, and loading it back gives the same images", async () => {
    const tars = await layeredTars();
    const image = makeImage(tars, { compression: ["zstd", "gzip", "none"] });
    const store = storeAt("root");
    await load(store, await classicArchive([{ image, repoTags: ["app:1", "app:2", "other:x"] }]));
    const archive = await save(store, ["app"]); // a bare repository: all its tags
    const entries = await readTar(archive);
    const manifestJson = JSON.parse(entries.get("manifest.json")?.content.toString() ?? "") as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifestJson).toEqual([
      { Config: `blobs/sha256/${hex(image.configDigest)}`, RepoTags: ["app:1", "app:2"], Layers: image.layers.map((l) => `blobs/sha256/${hex(l.diffId)}`) },
    ]);
    for (const l of image.layers) expect(entries.get(`blobs/sha256/${hex(l.diffId)}`)?.content.equals(l.plain)).toBe(true);
    expect(JSON.parse(entries.get("oci-layout")?.content.toString() ?? "")).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(JSON.parse(entries.get("repositories")?.content.toString() ?? "")).toEqual({ app: { "1": hex(image.layers[2]?.diffId ?? ""), "2": hex(image.layers[2]?.diffId ?? "") } });
    const index = JSON.parse(entries.get("index.json")?.content.toString() ?? "") as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.annotations)).toEqual([
      { "io.containerd.image.name": "docker.io/library/app:1", "org.opencontainers.image.ref.name": "1" },
      { "io.containerd.image.name": "docker.io/library/app:2", "org.opencontainers.image.ref.name": "2" },
    ]);
    const copy = storeAt("copy");
    const loaded = await load(copy, archive);
    expect(loaded.map((l) => l.id)).toEqual([image.configDigest]);
    expect(copy.require("app:2").manifest).toBe(index.manifests[0]?.digest);
    expect(copy.get("other:x")).toBeUndefined();
    // Saved again from the copy (all layers plain now): the same bytes.
    expect((await save(copy, ["app:1", "app:2"])).equals(archive)).toBe(true);
  });

  it("names an image it does not have", async () => {
    await expect(save(storeAt("root"), ["ghost:1"])).rejects.toThrow('no such image "ghost:1"');
  });
});

describe("import", () => {
  it("makes a one-layer image from a gzip or zstd rootfs, with --change settings, and save/load keeps its ID", async () => {
    const rootfs = await busyboxRootfs();
    const store = storeAt("root");
    for (const how of ["gzip", "zstd", "none"] as const) {
      const rec = await importRootfs(store, once(compress(rootfs, how)), {
        source: `rootfs.${how}`,
        tag: `bb:${how}`,
        changes: ['CMD ["/bin/sh"]', "ENV GREETING=hi", "WORKDIR /tmp", "EXPOSE 8080", "USER nobody", "ENTRYPOINT /bin/busybox"],
        created: new Date("2025-05-05T00:00:00Z"),
      });
      const config = store.configOf(rec);
      expect(config).toMatchObject({
        architecture: process.arch === "x64" ? "amd64" : process.arch,
        os: "linux",
        created: "2025-05-05T00:00:00.000Z",
        rootfs: { type: "layers", diff_ids: [sha256(rootfs)] },
        config: { Cmd: ["/bin/sh"], Env: ["GREETING=hi"], WorkingDir: "/tmp", ExposedPorts: { "8080/tcp": {} }, User: "nobody", Entrypoint: ["/bin/sh", "-c", "/bin/busybox"] },
      });
      expect(config.history).toEqual([{ created: "2025-05-05T00:00:00.000Z", comment: `Imported from rootfs.${how}` }]);
      expect(store.manifestOf(rec).layers).toEqual([{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(rootfs), size: rootfs.length }]);
    }
    const id = store.require("bb:zstd").id;
    const copy = storeAt("copy");
    const [loaded] = await load(copy, await save(store, ["bb:zstd"]));
    expect(loaded).toMatchObject({ id, repoTags: ["docker.io/library/bb:zstd"] });
    expect(copy.configOf(copy.require(id)).config?.Env).toEqual(["GREETING=hi"]);
  });

  it("refuses a file that is not a tar, and a bad --change, leaving nothing", async () => {
    const store = storeAt("root");
    await expect(importRootfs(store, once(gzipSync(Buffer.from("hello"))), { source: "x.gz" })).rejects.toThrow("x.gz: is not a tar archive (plain, gzip or zstd)");
    await expect(importRootfs(store, once(await busyboxRootfs()), { source: "r.tar", changes: ["RUN rm -rf /"] })).rejects.toThrow('--change "RUN rm -rf /": unknown instruction "RUN"');
    expect(store.list()).toEqual([]);
    expect(store.content.list()).toEqual([]);
    expect(ingestEmpty(store)).toBe(true);
  });
});

/** The content store and the image index on disk: verification, atomicity, concurrency, docker's rmi rules. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ContentStore, DigestMismatchError, ImageStore, sha256Digest } from "../../runtime/image/store/index.ts";
import { makeImage, sha256, tarBytes } from "../harness/image-fixtures.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(`${tmpdir()}/berth-test-store-`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function* chunks(bytes: Buffer, size = 1000): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await new Promise((r) => setImmediate(r));
    yield bytes.subarray(i, i + size);
  }
}

const ingestFiles = (r: string) => (existsSync(`${r}/content/ingest`) ? readdirSync(`${r}/content/ingest`) : []);

describe("content store", () => {
  it("stores a blob under its digest, and does not read the source again once it has it", async () => {
    const cs = new ContentStore(root);
    const data = Buffer.from("hello blob");
    const digest = sha256Digest(data);
    expect(await cs.write({ digest, size: data.length }, chunks(data, 3))).toBe(true);
    expect(cs.read(digest).toString()).toBe("hello blob");
    expect(cs.path(digest)).toBe(`${root}/content/blobs/sha256/${digest.slice(7)}`);
    expect(cs.size(digest)).toBe(10);
    const untouchable = (async function* () {
      throw new Error("the source was read");
    })();
    expect(await cs.write({ digest }, untouchable)).toBe(false);
    expect(cs.list()).toEqual([digest]);
    expect(ingestFiles(root)).toEqual([]);
  });

  it("refuses content that does not match, naming both digests, and leaves nothing", async () => {
    const cs = new ContentStore(root);
    const claimed = sha256Digest("something else");
    const err = await cs.write({ digest: claimed }, chunks(Buffer.from("tampered"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as DigestMismatchError).expected).toBe(claimed);
    expect((err as DigestMismatchError).actual).toBe(sha256Digest("tampered"));
    expect((err as Error).message).toContain(claimed);
    expect(cs.has(claimed)).toBe(false);
    expect(cs.list()).toEqual([]);
    expect(ingestFiles(root)).toEqual([]);
  });

  it("stops reading a blob longer than its descriptor says, and cleans up after a failing source", async () => {
    const cs = new ContentStore(root);
    const data = Buffer.alloc(10_000, 7);
    await expect(cs.write({ digest: sha256Digest(data), size: 100 }, chunks(data))).rejects.toThrow(/more than the expected 100 bytes/);
    const failing = (async function* () {
      yield Buffer.from("part");
      throw new Error("connection reset");
    })();
    await expect(cs.write({ digest: sha256Digest(data) }, failing)).rejects.toThrow("connection reset");
    expect(cs.list()).toEqual([]);
    expect(ingestFiles(root)).toEqual([]);
  });

  it("names a malformed digest", () => {
    const cs = new ContentStore(root);
    expect(() => cs.path("sha256:xyz")).toThrow('invalid blob digest "sha256:xyz"');
    expect(() => cs.read(sha256Digest("absent"))).toThrow(`blob ${sha256Digest("absent")} is not in the content store`);
  });

  it("takes parallel writers of the same and of different blobs", async () => {
    const cs = new ContentStore(root);
    const same = Buffer.alloc(300_000, 1);
    const others = Array.from({ length: 16 }, (_, i) => Buffer.alloc(50_000 + i, i));
    const writes = [
      ...Array.from({ length: 16 }, () => cs.write({ digest: sha256Digest(same), size: same.length }, chunks(same, 7000))),
      ...others.map((b) => cs.write({ digest: sha256Digest(b) }, chunks(b, 5000))),
    ];
    const results = await Promise.all(writes);
    expect(results.filter((r) => r).length).toBeGreaterThanOrEqual(17);
    expect(cs.read(sha256Digest(same)).equals(same)).toBe(true);
    for (const b of others) expect(cs.read(sha256Digest(b)).equals(b)).toBe(true);
    expect(cs.list().sort()).toEqual([same, ...others].map((b) => sha256Digest(b)).sort());
    expect(ingestFiles(root)).toEqual([]);
  });
});

async function storeImage(store: ImageStore, layerCount = 2, seed = "x") {
  const layers = await Promise.all(Array.from({ length: layerCount }, (_, i) => tarBytes([{ name: `f${i}-${seed}`, content: `${seed}${i}` }])));
  const image = makeImage(layers, { created: `2024-01-0${layerCount}T00:00:00Z`, cmd: [seed] });
  store.content.writeBytes(image.config);
  for (const l of image.layers) store.content.writeBytes(l.blob);
  store.content.writeBytes(image.manifest);
  return image;
}

describe("image index", () => {
  it("finds an image by tag, familiar name, ID, short ID and digest reference", async () => {
    const store = ImageStore.open(root);
    const image = await storeImage(store);
    const rec = store.put({ manifest: image.manifestDigest, repoTags: ["busybox"], repoDigests: [`busybox@${image.manifestDigest}`] });
    expect(rec).toMatchObject({ id: image.configDigest, manifest: image.manifestDigest, repoTags: ["docker.io/library/busybox:latest"], created: "2024-01-02T00:00:00Z" });
    for (const ref of ["busybox", "busybox:latest", "docker.io/library/busybox:latest", image.configDigest, image.configDigest.slice(7, 19), image.configDigest.slice(0, 14), `busybox@${image.manifestDigest}`]) {
      expect(store.get(ref)?.id, ref).toBe(image.configDigest);
    }
    expect(store.get("busybox:1")).toBeUndefined();
    expect(store.manifestOf(rec).layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    expect(store.configOf(rec).config?.Cmd).toEqual(["x"]);
  });

  it("refuses a manifest whose blobs are not all stored, naming the missing one", async () => {
    const store = ImageStore.open(root);
    const image = makeImage([await tarBytes([{ name: "a", content: "a" }])]);
    store.content.writeBytes(image.config);
    store.content.writeBytes(image.manifest);
    expect(() => store.put({ manifest: image.manifestDigest })).toThrow(`names blob ${image.layers[0]?.digest}, which is not stored`);
    expect(() => store.put({ manifest: sha256("nope") })).toThrow(`blob ${sha256("nope")} is not in the content store`);
    expect(store.list()).toEqual([]);
  });

  it("moves a tag to the image that takes it, and untags", async () => {
    const store = ImageStore.open(root);
    const a = await storeImage(store, 1, "a");
    const b = await storeImage(store, 2, "b");
    store.put({ manifest: a.manifestDigest, repoTags: ["app:1", "app:latest"] });
    store.put({ manifest: b.manifestDigest, repoTags: ["app:latest"] });
    expect(store.get("app")?.id).toBe(b.configDigest);
    expect(store.get(a.configDigest)?.repoTags).toEqual(["docker.io/library/app:1"]);
    store.tag("app:1", "other/name:v2");
    expect(store.get("other/name:v2")?.id).toBe(a.configDigest);
    store.untag("other/name:v2");
    expect(store.get("other/name:v2")).toBeUndefined();
    expect(() => store.untag("other/name:v2")).toThrow('no such image "other/name:v2"');
    expect(() => store.tag("nothing", "x")).toThrow('no such image "nothing:latest"');
  });

  it("removes like docker rmi: a name untags, the last name deletes, an ID with several repositories needs force", async () => {
    const store = ImageStore.open(root);
    const a = await storeImage(store, 2, "a");
    const b = await storeImage(store, 1, "b");
    store.put({ manifest: a.manifestDigest, repoTags: ["one:1", "two:1"] });
    store.put({ manifest: b.manifestDigest, repoTags: ["three:1"] });
    expect(() => store.remove(a.configDigest.slice(7, 19))).toThrow(/conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
    expect(store.remove("one:1")).toEqual(["Untagged: one:1"]);
    expect(store.content.has(a.layers[0]?.digest ?? "")).toBe(true);
    expect(store.remove("two:1")).toEqual(["Untagged: two:1", `Deleted: ${a.configDigest}`]);
    expect(store.get(a.configDigest)).toBeUndefined();
    for (const d of [a.configDigest, a.manifestDigest, ...a.layers.map((l) => l.digest)]) expect(store.content.has(d), d).toBe(false);
    expect(store.content.has(b.layers[0]?.digest ?? "")).toBe(true);
    expect(() => store.remove("one:1")).toThrow('no such image "one:1"');
    expect(store.remove(b.configDigest, { force: true })).toEqual(["Untagged: three:1", `Deleted: ${b.configDigest}`]);
  });

  it("keeps an image a container uses: rmi refuses, -f only untags it", async () => {
    const store = ImageStore.open(root, { isInUse: () => true });
    const a = await storeImage(store, 1, "a");
    store.put({ manifest: a.manifestDigest, repoTags: ["used:1"] });
    expect(() => store.remove(a.configDigest)).toThrow(/image is being used by a container/);
    expect(store.remove(a.configDigest, { force: true })).toEqual(["Untagged: used:1"]);
    expect(store.get(a.configDigest)?.repoTags).toEqual([]);
  });

  it("prunes blobs no image references and calls the prune hooks with the images left", async () => {
    const store = ImageStore.open(root);
    const a = await storeImage(store, 2, "a");
    store.put({ manifest: a.manifestDigest, repoTags: ["keep"] });
    const stray = store.content.writeBytes(Buffer.alloc(1234, 9));
    let hookSaw: string[] = [];
    store.addPruneHook((images) => {
      hookSaw = images.map((i) => i.id);
    });
    expect(store.prune()).toEqual({ blobs: [stray], bytes: 1234 });
    expect(hookSaw).toEqual([a.configDigest]);
    expect(store.content.list().sort()).toEqual([a.configDigest, a.manifestDigest, ...a.layers.map((l) => l.digest)].sort());
  });

  it("names a broken index file", () => {
    const store = ImageStore.open(root);
    store.content.writeBytes(Buffer.from("x"));
    rmSync(`${root}/images`, { recursive: true, force: true });
    expect(store.list()).toEqual([]);
    // A corrupt file is reported with its path, never silently replaced.
    mkdirSync(`${root}/images`);
    writeFileSync(`${root}/images/index.json`, "{broken");
    expect(() => store.list()).toThrow(`image index ${root}/images/index.json: is not valid JSON`);
  });
});

/**
 * The registry client against a real registry (Debian's docker-registry on 127.0.0.1):
 * push an image made here, pull it back, skip what is present, mount across repositories,
 * chunked uploads, indexes with two platforms, and the registry's errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { pull, push, type TransferEvent } from "../../runtime/registry/index.ts";
import { blobMounts, blobUploads, makeImage, makeIndex, MemoryStore, startRegistry, type RunningRegistry } from "./registry-fixtures.ts";

let registry: RunningRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

describe("push then pull against docker-registry", () => {
  it("pushes an image and pulls it back byte for byte, with the digest the registry has for the tag", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [300_000, 700_000]);
    const pushed = await push(`${registry.host}/berth/app:1.0`, local.source(image.manifest));
    expect(pushed.digest).toBe(image.manifest);
    expect(pushed.uploaded.sort()).toEqual([image.config, ...image.layers].sort());
    expect(blobUploads(registry, "berth/app").sort()).toEqual([image.config, ...image.layers].sort());

    const events: TransferEvent[] = [];
    const other = new MemoryStore();
    const pulled = await pull(`${registry.host}/berth/app:1.0`, other, { onEvent: (e) => events.push(e) });
    expect(pulled.reference).toBe(`${registry.host}/berth/app:1.0`);
    expect(pulled.repository).toBe(`${registry.host}/berth/app`);
    expect(pulled.digest).toBe(image.manifest);
    expect(pulled.manifestDigest).toBe(image.manifest);
    expect(pulled.manifest.layers.map((l) => l.digest)).toEqual(image.layers);
    for (const d of [image.manifest, image.config, ...image.layers]) expect(Buffer.compare(other.blobs.get(d) ?? Buffer.alloc(0), local.blobs.get(d) as Uint8Array), d).toBe(0);
    expect(events.filter((e) => e.type === "done").map((e) => e.digest).sort()).toEqual([image.config, ...image.layers].sort());
    const lastProgress = events.filter((e) => e.type === "progress" && e.digest === image.layers[1]).at(-1);
    expect(lastProgress).toMatchObject({ done: local.size(image.layers[1] as string) });
  });

  it("a second push of the same image sends no blob, and a pull into a store that has the blobs fetches none", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [200_000, 100_000], { docker: true });
    await push(`${registry.host}/berth/again:v1`, local.source(image.manifest));
    const before = blobUploads(registry, "berth/again").length;
    expect(before).toBe(3);
    const second = await push(`${registry.host}/berth/again:v2`, local.source(image.manifest));
    expect(second.uploaded).toEqual([]);
    expect(second.present.sort()).toEqual([image.config, ...image.layers].sort());
    expect(blobUploads(registry, "berth/again").length).toBe(before);

    const pulled = await pull(`${registry.host}/berth/again:v2`, local);
    expect(pulled.fetched).toEqual([]);
    expect(pulled.present.length).toBe(3);
    expect(pulled.manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("mounts blobs from another repository of the registry instead of uploading them", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [250_000, 250_000]);
    await push(`${registry.host}/berth/base:1`, local.source(image.manifest));
    const events: TransferEvent[] = [];
    const result = await push(`${registry.host}/berth/derived:1`, local.source(image.manifest), {
      mountFrom: ["docker.io/library/elsewhere", `${registry.host}/berth/base`],
      onEvent: (e) => events.push(e),
    });
    expect(result.mounted.sort()).toEqual([image.config, ...image.layers].sort());
    expect(result.uploaded).toEqual([]);
    expect(blobUploads(registry, "berth/derived")).toEqual([]);
    expect(blobMounts(registry, "berth/derived").length).toBe(3);
    expect(events.filter((e) => e.type === "mounted").every((e) => e.type === "mounted" && e.from === "berth/base")).toBe(true);
    const back = await pull(`${registry.host}/berth/derived:1`, new MemoryStore());
    expect(back.digest).toBe(image.manifest);
  });

  it("a mount the registry cannot do falls back to an upload in the session it opened", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [50_000]);
    const result = await push(`${registry.host}/berth/nomount:1`, local.source(image.manifest), { mountFrom: [`${registry.host}/berth/never-pushed`] });
    expect(result.uploaded.sort()).toEqual([image.config, ...image.layers].sort());
    expect(blobUploads(registry, "berth/nomount").length).toBe(2);
  });

  it("uploads a blob bigger than the chunk size in PATCH chunks", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [1_000_000], { gzip: false });
    const patchesBefore = registry.requests().filter((l) => l.includes('"PATCH /v2/berth/chunked/')).length;
    await push(`${registry.host}/berth/chunked:1`, local.source(image.manifest), { chunkSize: 300_000 });
    const patches = registry.requests().filter((l) => l.includes('"PATCH /v2/berth/chunked/')).length - patchesBefore;
    expect(patches).toBe(Math.ceil(local.size(image.layers[0] as string) / 300_000));
    const back = new MemoryStore();
    await pull(`${registry.host}/berth/chunked:1`, back);
    expect(back.blobs.get(image.layers[0] as string)?.length).toBe(local.size(image.layers[0] as string));
  });

  it("pulls the platform of an index that the caller asks for, keeping the index digest as the image's", async () => {
    const local = new MemoryStore();
    const amd = await makeImage(local, [40_000], { architecture: "amd64" });
    const arm = await makeImage(local, [60_000], { architecture: "arm64" });
    const index = makeIndex(local, [
      { image: arm, architecture: "arm64" },
      { image: amd, architecture: "amd64" },
    ]);
    const pushed = await push(`${registry.host}/berth/multi:latest`, local.source(index));
    expect(pushed.digest).toBe(index);

    const a = new MemoryStore();
    const amdPull = await pull(`${registry.host}/berth/multi`, a);
    expect([amdPull.digest, amdPull.indexDigest, amdPull.manifestDigest]).toEqual([index, index, amd.manifest]);
    expect(a.has(index) && a.has(amd.manifest) && a.has(amd.layers[0] as string)).toBe(true);
    expect(a.has(arm.layers[0] as string)).toBe(false);

    const b = new MemoryStore();
    const armPull = await pull(`${registry.host}/berth/multi:latest`, b, { platform: "linux/arm64" });
    expect(armPull.manifestDigest).toBe(arm.manifest);
    expect(b.has(arm.layers[0] as string) && !b.has(amd.layers[0] as string)).toBe(true);

    await expect(pull(`${registry.host}/berth/multi`, new MemoryStore(), { platform: "linux/riscv64" })).rejects.toThrowError(
      `pull ${registry.host}/berth/multi:latest: no image for platform linux/riscv64: the index has linux/arm64, linux/amd64`,
    );
    // by digest, the platform manifest itself
    const byDigest = await pull(`${registry.host}/berth/multi@${arm.manifest}`, new MemoryStore());
    expect(byDigest.manifestDigest).toBe(arm.manifest);
  });

  it("turns the registry's errors into one line naming the image and the code", async () => {
    await expect(pull(`${registry.host}/berth/app:nope`, new MemoryStore())).rejects.toThrowError(
      `pull ${registry.host}/berth/app:nope: MANIFEST_UNKNOWN: manifest unknown`,
    );
    await expect(pull(`${registry.host}/berth/none-such`, new MemoryStore())).rejects.toMatchObject({
      message: `pull ${registry.host}/berth/none-such:latest: MANIFEST_UNKNOWN: manifest unknown`,
      code: "MANIFEST_UNKNOWN",
    });
    // A manifest pointing at a blob that is not in the source: the push names it, the tag is not created.
    const local = new MemoryStore();
    const image = await makeImage(local, [1000]);
    local.blobs.delete(image.layers[0] as string);
    await expect(push(`${registry.host}/berth/broken:1`, local.source(image.manifest))).rejects.toThrowError(/^push 127\.0\.0\.1:\d+\/berth\/broken:1: .*no blob sha256:/);
    await expect(pull(`${registry.host}/berth/broken:1`, new MemoryStore())).rejects.toMatchObject({ code: "MANIFEST_UNKNOWN" });
  });

  it("fails fast with the address when nothing listens, and times out on a registry that never answers", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r)); // nothing listens there now
    await expect(pull(`127.0.0.1:${free}/x`, new MemoryStore(), { timeoutMs: 2000 })).rejects.toThrowError(
      new RegExp(`^pull 127\\.0\\.0\\.1:${free}/x:latest: cannot reach 127\\.0\\.0\\.1:${free} \\(GET http://127\\.0\\.0\\.1:${free}/v2/\\): .*ECONNREFUSED`),
    );
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket)); // accepts connections, never says a word
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const started = Date.now();
      await expect(pull(`127.0.0.1:${port}/x`, new MemoryStore(), { timeoutMs: 300 })).rejects.toThrowError(
        new RegExp(`^pull 127\\.0\\.0\\.1:${port}/x:latest: no answer from 127\\.0\\.0\\.1:${port} within 0\\.3 s`),
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

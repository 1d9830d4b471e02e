/**
 * The registry client when things go wrong: a blob served with the wrong content, blob downloads
 * redirected to another server, and a pull interrupted half way then run again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pull, push, type TransferEvent } from "../../runtime/registry/index.ts";
import { makeImage, MemoryStore, startProxy, startRegistry, type RunningRegistry, type TestImage } from "./registry-fixtures.ts";

let registry: RunningRegistry;
let image: TestImage;
const local = new MemoryStore();

beforeAll(async () => {
  registry = await startRegistry();
  // a small first layer that completes while the two big ones are still streaming
  image = await makeImage(local, [20_000, 4_000_000, 4_000_000], { gzip: false });
  await push(`${registry.host}/faults/img:1`, local.source(image.manifest));
});

afterAll(async () => {
  await registry?.stop();
});

function blobGets(digest: string): number {
  return registry.requests().filter((l) => l.includes(`"GET /v2/faults/img/blobs/${digest} `)).length;
}

describe("registry faults", () => {
  it("a tampered blob is rejected, nothing of it stored, and a later good pull fetches only what is missing", async () => {
    const bad = image.layers[1] as string;
    const proxy = await startProxy(registry.host, { tamper: new Set([bad]) });
    try {
      const store = new MemoryStore();
      const err = (await pull(`${proxy.host}/faults/img:1`, store).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(new RegExp(`^pull ${proxy.host}/faults/img:1: layer ${bad}: content does not match its digest ${bad} \\(got sha256:[0-9a-f]{64}\\); nothing of it was stored$`));
      expect(store.has(bad)).toBe(false);
      expect(store.has(image.manifest)).toBe(false); // no manifest without all its blobs

      const good = await pull(`${registry.host}/faults/img:1`, store);
      expect(good.fetched).toContain(bad);
      expect(good.fetched.length + good.present.length).toBe(4);
      for (const d of [image.config, ...image.layers]) expect(store.writes.get(d), d).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("follows blob redirects to another server without sending it the registry's token", async () => {
    const proxy = await startProxy(registry.host, { redirectBlobs: true, bearer: { username: "u", password: "p", anonymousPull: true } });
    try {
      const store = new MemoryStore();
      const pulled = await pull(`${proxy.host}/faults/img:1`, store);
      expect(pulled.fetched.length).toBe(4);
      expect(proxy.redirects).toBe(4);
      expect(proxy.redirectAuthHeaders).toEqual([]);
      expect(store.blobs.get(image.layers[2] as string)?.length).toBe(local.size(image.layers[2] as string));
    } finally {
      await proxy.close();
    }
  });

  it("refuses a redirect to plain HTTP on a host that is neither loopback nor listed as insecure", async () => {
    // 192.0.2.0/24 is TEST-NET-1: the policy refuses it before any connection is tried.
    const proxy = await startProxy(registry.host, { redirectBlobs: true, redirectHost: "192.0.2.7:5000" });
    try {
      const store = new MemoryStore();
      const err = (await pull(`${proxy.host}/faults/img:1`, store, { insecureRegistries: [], timeoutMs: 2000 }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(
        new RegExp(`^pull ${proxy.host}/faults/img:1: refusing plain HTTP to 192\\.0\\.2\\.7:5000 \\(redirect to GET http://192\\.0\\.2\\.7:5000/v2/faults/img/blobs/sha256:[0-9a-f]{64}\\): .* list it in BERTH_INSECURE_REGISTRIES=192\\.0\\.2\\.7:5000$`),
      );
      expect(store.blobs.size).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("an interrupted pull leaves no partial blob, and resumed, stores each blob once and fetches only the rest", async () => {
    const store = new MemoryStore();
    const stop = new AbortController();
    const first = image.layers[0] as string;
    const onEvent = (e: TransferEvent) => {
      if (e.type === "done" && e.digest === first) stop.abort();
    };
    const getsBefore = blobGets(first);
    await expect(pull(`${registry.host}/faults/img:1`, store, { signal: stop.signal, onEvent })).rejects.toMatchObject({
      message: `pull ${registry.host}/faults/img:1: aborted`,
      code: "ABORTED",
    });
    expect(store.has(first)).toBe(true);
    expect(store.has(image.manifest)).toBe(false);
    // The big layers were streaming when the pull stopped: whatever was cut off is not in the store.
    const had = [...store.blobs.keys()];
    expect(had.length).toBeLessThan(4);

    const resumed = await pull(`${registry.host}/faults/img:1`, store);
    expect(resumed.present.sort()).toEqual(had.sort());
    expect(resumed.fetched.sort()).toEqual([image.config, ...image.layers].filter((d) => !had.includes(d)).sort());
    for (const d of [image.manifest, image.config, ...image.layers]) expect(store.writes.get(d), d).toBe(1);
    expect(blobGets(first) - getsBefore).toBe(1);
  });
});

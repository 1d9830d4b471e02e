/**
 * Getting one blob into a repository, cheapest way first: HEAD (already there), a
 * cross-repository mount from a repository of the same registry that has it (no bytes sent),
 * else an upload session: one streaming PUT, or PATCH chunks then a closing PUT for a blob
 * bigger than the chunk size.
 */
import { pullScope, pushScope } from "./auth.ts";
import type { RegistryClient } from "./client.ts";
import type { BlobRef } from "./verify.ts";

export type UploadOutcome = { how: "exists" } | { how: "mounted"; from: string } | { how: "uploaded" };

export interface UploadPlan {
  client: RegistryClient;
  repository: string;
  blob: BlobRef;
  /** Repositories on the same registry that may hold the blob (paths: "library/busybox"). */
  mountFrom: readonly string[];
  /** Blobs larger than this go in PATCH chunks of this size. */
  chunkSize: number;
  /** The blob's bytes, read once (and only if an upload is needed). */
  open: () => AsyncIterable<Uint8Array>;
}

/** Reads exact byte counts off a stream of chunks of any size. */
class ByteCursor {
  readonly #it: AsyncIterator<Uint8Array>;
  #pending: Uint8Array | undefined;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async *take(count: number, what: string): AsyncGenerator<Uint8Array> {
    let left = count;
    while (left > 0) {
      let chunk = this.#pending;
      this.#pending = undefined;
      if (chunk === undefined) {
        const next = await this.#it.next();
        if (next.done) throw new Error(`${what}: the source ended ${left} bytes early`);
        chunk = next.value;
      }
      if (chunk.length > left) {
        this.#pending = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Read the source to its end (it verifies the digest there); it must have nothing left. */
  async finish(what: string): Promise<void> {
    const next = this.#pending ?? (await this.#it.next()).value;
    if (next !== undefined && next.length > 0) throw new Error(`${what}: the source has more bytes than announced`);
  }
}

export async function uploadBlob(plan: UploadPlan): Promise<UploadOutcome> {
  const { client, repository, blob } = plan;
  const push = [pushScope(repository)];
  const head = await client.request({ method: "HEAD", target: `/v2/${repository}/blobs/${blob.digest}`, scopes: push });
  await head.discard();
  if (head.status === 200) return { how: "exists" };
  if (head.status !== 404) await client.expect(head, 200, 404);

  let location: string | undefined;
  for (const from of plan.mountFrom) {
    if (from === repository) continue;
    const answer = await client.request({
      method: "POST",
      target: `/v2/${repository}/blobs/uploads/`,
      query: { mount: blob.digest, from },
      scopes: [...push, pullScope(from)],
    });
    await answer.discard();
    if (answer.status === 201) return { how: "mounted", from };
    if (answer.status === 202 && answer.headers.get("location")) {
      // The registry did not have it there (or would not mount): it opened an upload instead.
      location = answer.headers.get("location") as string;
      break;
    }
  }
  if (location === undefined) {
    const answer = await client.expect(await client.request({ method: "POST", target: `/v2/${repository}/blobs/uploads/`, scopes: push }), 202);
    await answer.discard();
    location = answer.headers.get("location") ?? "";
    if (location === "") throw new Error(`the registry opened an upload for ${blob.digest} without a Location`);
  }
  let target = new URL(location, await client.base());
  const what = `blob ${blob.digest}`;
  const cursor = new ByteCursor(plan.open());
  const octets = { "content-type": "application/octet-stream" };

  if (blob.size > plan.chunkSize) {
    for (let offset = 0; offset < blob.size; offset += plan.chunkSize) {
      const length = Math.min(plan.chunkSize, blob.size - offset);
      const answer = await client.expect(
        await client.request({
          method: "PATCH",
          target,
          headers: { ...octets, "content-length": String(length), "content-range": `${offset}-${offset + length - 1}` },
          body: () => cursor.take(length, what),
          scopes: push,
        }),
        202,
      );
      await answer.discard();
      target = new URL(answer.headers.get("location") ?? target.href, target);
    }
    await cursor.finish(what);
    const done = await client.expect(
      await client.request({ method: "PUT", target, query: { digest: blob.digest }, headers: { ...octets, "content-length": "0" }, body: new Uint8Array(0), scopes: push }),
      201,
    );
    await done.discard();
    return { how: "uploaded" };
  }
  const done = await client.expect(
    await client.request({
      method: "PUT",
      target,
      query: { digest: blob.digest },
      headers: { ...octets, "content-length": String(blob.size) },
      body: async function* () {
        yield* cursor.take(blob.size, what);
        await cursor.finish(what);
      },
      scopes: push,
    }),
    201,
  );
  await done.discard();
  return { how: "uploaded" };
}

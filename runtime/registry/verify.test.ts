import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { forEachLimit } from "./pool.ts";
import { VerifyingStream } from "./verify.ts";

const bytes = new TextEncoder().encode("hello, registry");
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of stream) n += c.length;
  return n;
}

describe("VerifyingStream", () => {
  it("passes matching content through and marks it verified, counting bytes", async () => {
    let seen = 0;
    const s = new VerifyingStream(chunks(bytes.subarray(0, 5), bytes.subarray(5)), { digest, size: bytes.length }, "layer x", (n) => (seen += n));
    expect(await drain(s)).toBe(bytes.length);
    expect([s.verified, seen]).toEqual([true, bytes.length]);
  });

  it("throws before the end on a wrong digest, a short body or a long one", async () => {
    const wrong = Uint8Array.from(bytes);
    wrong[0] = 0;
    const bad = new VerifyingStream(chunks(wrong), { digest, size: bytes.length }, "layer x");
    await expect(drain(bad)).rejects.toThrowError(new RegExp(`^layer x: content does not match its digest ${digest} \\(got sha256:`));
    expect(bad.verified).toBe(false);
    await expect(drain(new VerifyingStream(chunks(bytes.subarray(1)), { digest, size: bytes.length }, "b"))).rejects.toThrowError(/14 bytes instead of 15/);
    // a body longer than announced is cut at the first extra chunk, without reading the rest
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled += 1;
        yield bytes;
      }
    }
    await expect(drain(new VerifyingStream(endless(), { digest, size: bytes.length }, "c"))).rejects.toThrowError(/more than the 15 bytes announced/);
    expect(pulled).toBe(2);
  });
});

describe("forEachLimit", () => {
  it("runs at most `limit` tasks at once and all of them", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      done.push(n);
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("stops starting tasks after the first failure, tells the caller, and rejects with it", async () => {
    const started: number[] = [];
    let told: unknown;
    const run = forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error("task 2 failed");
      await new Promise((r) => setTimeout(r, 10));
    }, (err) => (told = err));
    await expect(run).rejects.toThrowError("task 2 failed");
    expect((told as Error).message).toBe("task 2 failed");
    expect(started).toEqual([1, 2]);
  });
});

/**
 * Pull of a 3-layer image (~30 MB) from a local docker-registry: berth's client (in this
 * process, blobs written to files) against `skopeo copy docker://… dir:…` side by side, p50 of
 * a few cold runs each (empty destination every time). skopeo's time includes its process
 * start, shown on its own line. Run alone: `node_modules/.bin/bun bench/pull.ts`.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { pull, push, type BlobSink } from "../runtime/registry/index.ts";
import { makeImage, MemoryStore, startRegistry, tempDir } from "../test/integration/registry-fixtures.ts";
import { median } from "./stats.ts";

const RUNS = 7;
const LAYER_BYTES = 10_000_000;

/** Blobs as files, written to a temp name and renamed once complete (what skopeo's dir: does too). */
function fileSink(dir: string): BlobSink {
  mkdirSync(dir, { recursive: true });
  return {
    has: (digest) => existsSync(`${dir}/${digest.slice(7)}`),
    async write(blob, source) {
      const final = `${dir}/${blob.digest.slice(7)}`;
      const tmp = `${final}.partial`;
      const out = createWriteStream(tmp);
      try {
        for await (const chunk of source) if (!out.write(chunk)) await once(out, "drain");
        out.end();
        await once(out, "finish");
      } catch (err) {
        out.destroy();
        rmSync(tmp, { force: true });
        throw err;
      }
      renameSync(tmp, final);
      return true;
    },
  };
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchPull(): Promise<string[]> {
  if (!existsSync("/usr/bin/skopeo")) return ["pull: skopeo is missing (apt-get install skopeo); skipped"];
  const registry = await startRegistry();
  const work = tempDir("bench-pull");
  try {
    const local = new MemoryStore();
    const image = await makeImage(local, [LAYER_BYTES, LAYER_BYTES, LAYER_BYTES], { gzip: false });
    await push(`${registry.host}/bench/img:1`, local.source(image.manifest));
    const total = [image.config, ...image.layers].reduce((n, d) => n + local.size(d), 0);

    const berth: number[] = [];
    const skopeo: number[] = [];
    const floor: number[] = [];
    for (let i = -1; i < RUNS; i++) {
      // berth and skopeo alternate, so both see the same machine; run -1 warms up both.
      const dir = `${work}/berth-${i}`;
      const b = await timeAsync(() => pull(`${registry.host}/bench/img:1`, fileSink(dir)));
      const sdir = `${work}/skopeo-${i}`;
      const s = time(() =>
        execFileSync("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${registry.host}/bench/img:1`, `dir:${sdir}`], { stdio: ["ignore", "ignore", "inherit"] }),
      );
      const f = time(() => execFileSync("skopeo", ["--version"], { stdio: "ignore" }));
      rmSync(dir, { recursive: true, force: true });
      rmSync(sdir, { recursive: true, force: true });
      if (i >= 0) {
        berth.push(b);
        skopeo.push(s);
        floor.push(f);
      }
    }
    const [bm, sm, fm] = [median(berth), median(skopeo), median(floor)];
    const mb = (total / 1e6).toFixed(1);
    return [
      `Pull of a 3-layer image (${mb} MB) from a local docker-registry, cold destination, p50 of ${RUNS}`,
      `  berth pull (in-process, files)        ${bm.toFixed(1).padStart(8)} ms  ${((total / 1e6 / bm) * 1000).toFixed(0)} MB/s`,
      `  skopeo copy docker:// dir: (process)  ${sm.toFixed(1).padStart(8)} ms  ${((total / 1e6 / sm) * 1000).toFixed(0)} MB/s`,
      `  berth/skopeo                          ${(bm / sm).toFixed(2).padStart(8)}x    goal <= 1.2x`,
      `  skopeo --version (its process floor)  ${fm.toFixed(1).padStart(8)} ms  berth/(skopeo - floor) ${(bm / Math.max(1, sm - fm)).toFixed(2)}x`,
    ];
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("bench/pull.ts")) {
  for (const line of await benchPull()) console.log(line);
}

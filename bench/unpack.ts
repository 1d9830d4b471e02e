/**
 * Unpacking an image: berth's prepareSnapshots (stream, sha256 check against the diff ID, safe
 * path resolution, one snapshot per layer) against GNU `tar -xf` of the same uncompressed layers
 * into one directory each. Three generated layers, ~3,500 files, ~25 MB. p50 of a few runs,
 * alternating the two so both see the same page cache and disk state.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { prepareSnapshots, type LayerSource } from "../runtime/image/layers/index.ts";
import { encodeHeader, END_OF_ARCHIVE, padding } from "../runtime/image/layers/tar-writer.ts";
import { median, ms, ratio } from "./stats.ts";

const RUNS = 7;
const LAYERS = [
  { files: 2000, dirs: 100, maxSize: 12_000 },
  { files: 1000, dirs: 50, maxSize: 24_000 },
  { files: 500, dirs: 20, maxSize: 8_000 },
];

/** A deterministic pseudo-random layer tar: directories, files of varied sizes, a few symlinks. */
function makeLayer(index: number, spec: (typeof LAYERS)[number]): Buffer {
  let seed = 12345 + index;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const parts: Uint8Array[] = [];
  const now = 1_700_000_000;
  for (let d = 0; d < spec.dirs; d++) {
    parts.push(encodeHeader({ name: `l${index}/d${d}`, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtime: now }));
  }
  for (let f = 0; f < spec.files; f++) {
    const size = rand(spec.maxSize);
    const content = Buffer.alloc(size, f % 251);
    const name = `l${index}/d${rand(spec.dirs)}/f${f}`;
    parts.push(encodeHeader({ name, type: "file", mode: 0o644, uid: 0, gid: 0, size, mtime: now }), content, padding(size));
    if (f % 50 === 0) {
      parts.push(encodeHeader({ name: `${name}.link`, type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtime: now, linkname: `f${f}` }));
    }
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** The layer file in 1 MiB pieces (what a content store's stream of a local blob amounts to). */
async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export async function benchUnpack(): Promise<string[]> {
  const work = mkdtempSync(`${tmpdir()}/berth-bench-unpack-`);
  try {
    const files = LAYERS.map((spec, i) => {
      const data = makeLayer(i, spec);
      const path = `${work}/layer${i}.tar`;
      writeFileSync(path, data);
      return { path, size: data.length, diffId: `sha256:${createHash("sha256").update(data).digest("hex")}` };
    });
    const layers: LayerSource[] = files.map((f) => ({ diffId: f.diffId, open: () => readChunks(f.path) }));
    const ours: number[] = [];
    const tars: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const root = `${work}/berth${run}`;
      let t0 = performance.now();
      await prepareSnapshots(root, layers);
      ours.push(performance.now() - t0);
      rmSync(root, { recursive: true, force: true });

      const dest = `${work}/tar${run}`;
      t0 = performance.now();
      files.forEach((f, i) => {
        mkdirSync(`${dest}/${i}`, { recursive: true });
        execFileSync("tar", ["-xf", f.path, "-C", `${dest}/${i}`]);
      });
      tars.push(performance.now() - t0);
      rmSync(dest, { recursive: true, force: true });
    }
    const totalFiles = LAYERS.reduce((n, l) => n + l.files, 0);
    const totalMb = files.reduce((n, f) => n + f.size, 0) / 1e6;
    const berth = median(ours);
    const gnu = median(tars);
    return [
      `Unpacking 3 layers (${totalFiles} files, ${totalMb.toFixed(1)} MB uncompressed), p50 of ${RUNS}:`,
      `  berth prepareSnapshots  ${ms(berth)}`,
      `  GNU tar -xf             ${ms(gnu)}`,
      `  berth/tar               ${ratio(berth, gnu)}  (goal ≤ 1.50x)`,
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

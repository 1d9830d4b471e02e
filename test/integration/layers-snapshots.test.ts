import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  LayerEntryError, LayerError, chainIds, prepareSnapshots, removeUnusedSnapshots, snapshotPath,
} from "../../runtime/image/layers/index.ts";
import { layerOf, listing, removeTree, sha256, tarOf, tempRoot } from "./layers-fixtures.ts";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) removeTree(r);
});
function root(tag: string): string {
  const r = tempRoot(tag);
  roots.push(r);
  return r;
}

/** Entries of <root>/snapshots other than the lock directory. */
function snapshotNames(r: string): string[] {
  return readdirSync(`${r}/snapshots`).filter((n) => n !== ".locks").sort();
}

describe("prepareSnapshots", () => {
  it("unpacks each layer once at <root>/snapshots/<chain ID>/fs, lowest first, and reuses them", async () => {
    const r = root("snap");
    const l0 = layerOf(await tarOf([{ name: "a", content: "0" }]));
    const l1 = layerOf(await tarOf([{ name: "b", content: "1" }]));
    let opened = 0;
    const counted = (l: typeof l0) => ({ diffId: l.diffId, open: () => (opened++, l.open()) });
    const dirs = await prepareSnapshots(r, [counted(l0), counted(l1)]);
    const ids = chainIds([l0.diffId, l1.diffId]);
    expect(ids[0]).toBe(l0.diffId);
    expect(dirs).toEqual([snapshotPath(r, ids[0] as string), snapshotPath(r, ids[1] as string)]);
    expect(dirs[1]).toBe(`${r}/snapshots/${(ids[1] as string).slice(7)}/fs`);
    expect(readFileSync(`${dirs[1]}/b`, "utf8")).toBe("1");
    expect(opened).toBe(2);
    // Twice, and concurrently: nothing is unpacked again.
    await Promise.all([prepareSnapshots(r, [counted(l0), counted(l1)]), prepareSnapshots(r, [counted(l0)])]);
    expect(opened).toBe(2);
    // The same diff on another base is another snapshot.
    const other = await prepareSnapshots(r, [counted(l1)]);
    expect(other[0]).not.toBe(dirs[1]);
    expect(opened).toBe(3);
  });

  it("keeps nothing when the content does not match the diff ID, and names both digests", async () => {
    const r = root("digest");
    const good = await tarOf([{ name: "a", content: "real" }]);
    const claimed = sha256(Buffer.from("something else"));
    const err = await prepareSnapshots(r, [{ diffId: claimed, open: layerOf(good).open }]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
    expect(String(err)).toContain(`layer ${claimed}: content does not match its diff ID`);
    expect(String(err)).toContain(sha256(good));
    expect(snapshotNames(r)).toEqual([]);
  });

  it("refuses a file placed under a lower layer's symlink that leads outside, and keeps no snapshot of it", async () => {
    const r = root("lower");
    const outside = `${r}/outside`;
    const lower = layerOf(await tarOf([{ name: "lib", type: "symlink", linkname: "../../../outside" }]));
    const upper = layerOf(await tarOf([{ name: "lib/evil.so", content: "x" }]));
    const err = await prepareSnapshots(r, [lower, upper]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LayerEntryError);
    expect(String(err)).toContain(`layer ${upper.diffId}: entry "lib/evil.so" passes through symlink "lib"`);
    expect(existsSync(outside)).toBe(false);
    expect(snapshotNames(r)).toEqual([(chainIds([lower.diffId])[0] as string).slice(7)]);
  });

  it("resolves through lower layers: a file under a lower symlink inside the root goes to its real place", async () => {
    const r = root("lower-in");
    const lower = layerOf(await tarOf([
      { name: "usr/lib/", type: "directory", mode: 0o751, uid: 5 },
      { name: "lib", type: "symlink", linkname: "usr/lib" },
    ]));
    const upper = layerOf(await tarOf([{ name: "lib/new.so", content: "n" }]));
    const [, top] = await prepareSnapshots(r, [lower, upper]);
    expect(listing(top as string)).toEqual(["usr", "usr/lib", "usr/lib/new.so"]);
    // The copied-up directory keeps the lower one's metadata, as overlayfs would show it.
    const st = lstatSync(`${top}/usr/lib`);
    expect([st.mode & 0o7777, st.uid]).toEqual([0o751, 5]);
  });

  it("leaves no snapshot when the unpacking process is killed midway; the temp goes at the next prepare or GC", async () => {
    const r = root("kill");
    const big = await tarOf(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, content: Buffer.alloc(64 * 1024, i) })));
    const layerFile = `${r}/layer.tar`;
    writeFileSync(layerFile, big);
    const script = `${r}/unpack.ts`;
    const modulePath = resolve(import.meta.dirname, "../../runtime/image/layers/index.ts");
    // The child streams the layer slowly so it can be killed with the snapshot half written.
    writeFileSync(script, `
      import { readFileSync } from "node:fs";
      import { prepareSnapshots } from ${JSON.stringify(modulePath)};
      const data = readFileSync(${JSON.stringify(layerFile)});
      async function* slow() {
        for (let off = 0; off < data.length; off += 65536) {
          yield data.subarray(off, off + 65536);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await prepareSnapshots(${JSON.stringify(r)}, [{ diffId: ${JSON.stringify(sha256(big))}, open: slow }]);
    `);
    const child = spawn(resolve(import.meta.dirname, "../../node_modules/.bin/bun"), [script], { stdio: "ignore" });
    try {
      const deadline = Date.now() + 15_000;
      const temps = () => (existsSync(`${r}/snapshots`) ? snapshotNames(r).filter((n) => n.startsWith(".tmp-")) : []);
      while (Date.now() < deadline) {
        const t = temps()[0];
        if (t !== undefined && existsSync(`${r}/snapshots/${t}/fs/f3`)) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(temps()).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
      await new Promise((res) => child.once("exit", res));
    }
    const hex = sha256(big).slice(7);
    expect(existsSync(`${r}/snapshots/${hex}`)).toBe(false);
    expect(removeUnusedSnapshots(r, new Set())).toEqual([]);
    expect(snapshotNames(r)).toEqual([]);
    // A temp left by a killed unpack is also cleared by the next prepare of the same snapshot.
    writeFileSync(`${r}/snapshots/.tmp-${hex}-99999-dead`, "");
    const [dir] = await prepareSnapshots(r, [layerOf(big)]);
    expect(readdirSync(dir as string)).toHaveLength(40);
    expect(snapshotNames(r)).toEqual([hex]);
  });
});

describe("removeUnusedSnapshots", () => {
  it("removes the snapshots not in use and keeps the rest", async () => {
    const r = root("gc");
    const l0 = layerOf(await tarOf([{ name: "a", content: "0" }]));
    const l1 = layerOf(await tarOf([{ name: "b", content: "1" }]));
    const l2 = layerOf(await tarOf([{ name: "c", content: "2" }]));
    await prepareSnapshots(r, [l0, l1]);
    await prepareSnapshots(r, [l2]);
    const ids = chainIds([l0.diffId, l1.diffId]);
    const removed = removeUnusedSnapshots(r, new Set(ids));
    expect(removed).toEqual([l2.diffId]);
    expect(snapshotNames(r)).toEqual(ids.map((id) => id.slice(7)).sort());
    expect(removeUnusedSnapshots(r, new Set(ids))).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { copyRootfs, diffUpper, mountRootfs, prepareSnapshots, unmountRootfs } from "../../runtime/image/layers/index.ts";
import { T0, layerOf, listing, removeTree, sha256, tarOf, tempRoot, treeOf, type Entry } from "./layers-fixtures.ts";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) removeTree(r);
});
function root(tag: string): string {
  const r = tempRoot(tag);
  roots.push(r);
  return r;
}

/** Mount `snapshots` at <r>/<name>/merged, run `fn` on the view, always unmount. */
async function withMounted<T>(r: string, name: string, snapshots: string[], fn: (view: string, upper: string) => T | Promise<T>): Promise<T> {
  const layout = { snapshots, upper: `${r}/${name}/upper`, work: `${r}/${name}/work`, target: `${r}/${name}/merged` };
  mountRootfs(layout);
  try {
    return await fn(layout.target, layout.upper);
  } finally {
    unmountRootfs(layout.target);
  }
}

const BASE: Entry[] = [
  { name: "bin/", type: "directory" },
  { name: "bin/busybox", content: readFileSync("/bin/busybox"), mode: 0o755 },
  { name: "bin/sh", type: "symlink", linkname: "busybox" },
  { name: "etc/", type: "directory" },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
  { name: "etc/group", content: "root:x:0:\n" },
  { name: "etc/hosts", content: "127.0.0.1 localhost\n", uid: 33, gid: 33, mode: 0o600 },
  { name: "var/", type: "directory" },
  { name: "var/cache/", type: "directory", mode: 0o700 },
  { name: "var/cache/old1", content: "1" },
  { name: "var/cache/sub/old2", content: "2" },
  { name: "opt/gone/", type: "directory" },
  { name: "opt/gone/file", content: "g" },
  { name: "data/", type: "directory" },
  { name: "data/a", content: "a", pax: { "SCHILY.xattr.user.tag": "base" } },
  { name: "data/a-link", type: "link", linkname: "data/a" },
];

const TOP: Entry[] = [
  { name: "etc/", type: "directory" },
  { name: "etc/.wh.group", content: "" },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n" },
  { name: "opt/", type: "directory" },
  { name: "opt/.wh.gone", content: "" },
  { name: "var/cache/", type: "directory", mode: 0o755 },
  { name: "var/cache/.wh..wh..opq", content: "" },
  { name: "var/cache/new", content: "n" },
  { name: "data/a-link", type: "symlink", linkname: "a" },
];

describe("mountRootfs and copyRootfs", () => {
  it("show whiteouts and opaque directories as overlayfs does, and the copy gives the same tree", async () => {
    const r = root("view");
    const snapshots = await prepareSnapshots(r, [layerOf(await tarOf(BASE)), layerOf(await tarOf(TOP))]);
    const viewed = await withMounted(r, "c1", snapshots, (view) => {
      expect(listing(`${view}/etc`)).toEqual(["hosts", "passwd"]);
      expect(listing(`${view}/opt`)).toEqual([]);
      expect(listing(`${view}/var/cache`)).toEqual(["new"]);
      expect(readFileSync(`${view}/etc/passwd`, "utf8")).toContain("user:x:1000");
      // A real binary from the lower layer runs from the merged view.
      expect(execFileSync(`${view}/bin/sh`, ["-c", "echo ok"], { encoding: "utf8" }).trim()).toBe("ok");
      return treeOf(view);
    });
    const copy = `${r}/copy`;
    copyRootfs({ snapshots, target: copy });
    expect(treeOf(copy)).toEqual(viewed);
    expect(viewed["var/cache"]).toBe(`dir 755 0:0 t${T0.getTime() / 1000}`);
    expect(viewed["etc/hosts"]).toMatch(/^file \w+ 600 33:33 t\d+$/);
    expect(viewed["data/a"]).toContain("user.tag=");
  });

  it("mounts a lower list far beyond mount(2)'s 4096-byte options page", async () => {
    const r = root("long");
    const layers = [];
    for (let i = 0; i < 60; i++) layers.push(layerOf(await tarOf([{ name: `layer${i}`, content: String(i) }])));
    const snapshots = await prepareSnapshots(r, layers);
    expect(snapshots.join(":").length).toBeGreaterThan(4096);
    await withMounted(r, "c", snapshots, (view) => {
      expect(listing(view)).toHaveLength(60);
      expect(readFileSync(`${view}/layer59`, "utf8")).toBe("59");
    });
  });

  it("treats unmounting what is not mounted as done", () => {
    const r = root("umount");
    unmountRootfs(`${r}/never-mounted`);
    mkdirSync(`${r}/dir`);
    unmountRootfs(`${r}/dir`);
  });
});

describe("diffUpper", () => {
  it("turns a container's changes into a layer that, unpacked on the base, gives the mounted view", async () => {
    const r = root("diff");
    const base = layerOf(await tarOf(BASE));
    const snapshots = await prepareSnapshots(r, [base]);
    const { viewed, diff } = await withMounted(r, "c1", snapshots, async (view, upper) => {
      writeFileSync(`${view}/etc/added`, "new file\n");
      unlinkSync(`${view}/etc/group`);
      writeFileSync(`${view}/etc/passwd`, "changed\n");
      rmSync(`${view}/var/cache`, { recursive: true });
      mkdirSync(`${view}/var/cache`);
      writeFileSync(`${view}/var/cache/fresh`, "f");
      rmSync(`${view}/opt/gone`, { recursive: true });
      return { viewed: treeOf(view), diff: diffUpper(upper) };
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of diff) chunks.push(chunk);
    const tarball = Buffer.concat(chunks);
    expect(diff.diffId).toBe(sha256(tarball));
    // GNU tar reads it, and sees the whiteouts and the opaque marker in docker's form.
    const names = execFileSync("tar", ["-tf", "-"], { input: tarball, encoding: "utf8" }).trim().split("\n");
    expect(names).toEqual(expect.arrayContaining(["etc/.wh.group", "etc/added", "opt/.wh.gone", "var/cache/", "var/cache/.wh..wh..opq", "var/cache/fresh"]));
    // Deterministic: the same upper gives the same diff ID.
    const again = diffUpper(`${r}/c1/upper`);
    for await (const _ of again) void _;
    expect(again.diffId).toBe(diff.diffId);

    const committed = await prepareSnapshots(r, [base, layerOf(tarball)]);
    const remounted = await withMounted(r, "c2", committed, (view) => treeOf(view));
    expect(remounted).toEqual(viewed);
    copyRootfs({ snapshots: committed, target: `${r}/copy` });
    expect(treeOf(`${r}/copy`)).toEqual(viewed);
    expect(viewed["etc/group"]).toBeUndefined();
    expect(viewed["var/cache/old1"]).toBeUndefined();
    expect(viewed["var/cache/fresh"]).toMatch(/^file /);
  });
});

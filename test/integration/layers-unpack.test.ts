import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { sys } from "../../native/index.ts";
import { LayerEntryError, unpackLayer } from "../../runtime/image/layers/index.ts";
import { T0, listing, removeTree, sha256, streamOf, tarOf, tempRoot, treeOf, type Entry } from "./layers-fixtures.ts";

const LAYER = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const roots: string[] = [];
const outsideNames: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) removeTree(r);
  for (const p of outsideNames.splice(0)) removeTree(p);
});

/** A base dir holding `root/` (the target) and `outside/` (must never change). */
function scene(tag: string): { base: string; target: string; outside: string } {
  const base = tempRoot(tag);
  roots.push(base);
  mkdirSync(`${base}/outside`);
  writeFileSync(`${base}/outside/secret`, "keep");
  return { base, target: `${base}/root`, outside: `${base}/outside` };
}

/** Unpack `entries`, expect a refusal naming `entry`, and prove nothing changed outside the target. */
async function expectRefused(entries: Entry[], entry: string, why: RegExp): Promise<void> {
  const { base, target } = scene("evil");
  mkdirSync(target);
  const before = listing(base).filter((p) => !p.startsWith("root/") && p !== "root");
  const err = await unpackLayer(streamOf(await tarOf(entries)), target, { layer: LAYER }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LayerEntryError);
  expect((err as LayerEntryError).entry).toBe(entry);
  expect((err as Error).message).toContain(`layer ${LAYER}: entry ${JSON.stringify(entry)}`);
  expect((err as Error).message).toMatch(why);
  expect(listing(base).filter((p) => !p.startsWith("root/") && p !== "root")).toEqual(before);
  expect(readFileSync(`${base}/outside/secret`, "utf8")).toBe("keep");
}

describe("unpackLayer writes a layer's entries with their metadata", () => {
  it("restores files, dirs, symlinks, hard links, fifos, modes, owners, times and xattrs", async () => {
    const { target } = scene("meta");
    const tarball = await tarOf([
      { name: "etc/", type: "directory", mode: 0o750, uid: 7, gid: 8 },
      { name: "etc/motd", content: "hello\n", mode: 0o4640, uid: 1000, gid: 1001 },
      { name: "etc/hard", type: "link", linkname: "etc/motd" },
      { name: "etc/link", type: "symlink", linkname: "motd" },
      { name: "run/fifo", type: "fifo", mode: 0o600 },
      { name: "bin/tool", content: "x", mode: 0o755, pax: { "SCHILY.xattr.user.note": "kept" } },
      { name: "shared/", type: "directory", mode: 0o2775, gid: 50 },
      { name: "shared/root-owned", content: "r", mode: 0o664 },
    ]);
    const stats = await unpackLayer(streamOf(tarball, 100), target, { layer: LAYER });
    expect(stats).toMatchObject({ compression: "none", diffId: sha256(tarball), files: 3, dirs: 2, hardlinks: 1, symlinks: 1, specials: 1 });
    const motd = lstatSync(`${target}/etc/motd`);
    expect([motd.mode & 0o7777, motd.uid, motd.gid, motd.mtimeMs]).toEqual([0o4640, 1000, 1001, T0.getTime()]);
    expect(lstatSync(`${target}/etc/hard`).ino).toBe(motd.ino);
    expect(readlinkSync(`${target}/etc/link`)).toBe("motd");
    const etc = lstatSync(`${target}/etc`);
    expect([etc.mode & 0o7777, etc.uid, etc.gid, etc.mtimeMs]).toEqual([0o750, 7, 8, T0.getTime()]);
    expect(lstatSync(`${target}/run/fifo`).isFIFO()).toBe(true);
    expect(lstatSync(`${target}/run`).mode & 0o7777).toBe(0o755); // implied parent
    expect(Buffer.from(sys.lgetxattr(`${target}/bin/tool`, "user.note") ?? []).toString()).toBe("kept");
    // Under a setgid directory a new file would take the directory's group: the entry's own wins.
    const shared = lstatSync(`${target}/shared/root-owned`);
    expect([shared.mode & 0o7777, shared.uid, shared.gid]).toEqual([0o664, 0, 0]);
    expect(lstatSync(`${target}/bin/tool`).mode & 0o7777).toBe(0o755);
  });

  it("reads gzip and zstd layers by their magic bytes and gives the same tree", async () => {
    const tarball = await tarOf([
      { name: "a/", type: "directory" },
      { name: "a/big", content: Buffer.alloc(300_000, "z") },
      { name: "a/small", content: "s" },
    ]);
    const zstd = execFileSync("zstd", ["-q", "-c"], { input: tarball });
    const trees: Record<string, string>[] = [];
    for (const [stored, kind] of [[tarball, "none"], [gzipSync(tarball), "gzip"], [zstd, "zstd"]] as const) {
      const { target } = scene(kind);
      const stats = await unpackLayer(streamOf(stored, 4096), target);
      expect(stats.compression).toBe(kind);
      expect(stats.diffId).toBe(sha256(tarball));
      trees.push(treeOf(target));
    }
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
    expect(trees[0]?.["a/big"]).toMatch(/^file /);
  });

  it("drops a leading slash the way docker does: /x lands at <target>/x", async () => {
    const { target } = scene("abs");
    const name = `berth-test-abs-${process.pid}`;
    outsideNames.push(`/${name}`);
    await unpackLayer(streamOf(await tarOf([{ name: `/${name}/file`, content: "in" }])), target);
    expect(readFileSync(`${target}/${name}/file`, "utf8")).toBe("in");
    expect(existsSync(`/${name}`)).toBe(false);
  });

  it("follows a symlink that stays inside the root, and replaces (never follows) one at the entry's own name", async () => {
    const { target, outside } = scene("inside");
    await unpackLayer(
      streamOf(
        await tarOf([
          { name: "usr/lib/", type: "directory" },
          { name: "lib", type: "symlink", linkname: "usr/lib" },
          { name: "lib/libc.so", content: "libc" },
          { name: "f", type: "symlink", linkname: "../outside/secret" },
          { name: "f", content: "replaced" },
        ]),
      ),
      target,
    );
    expect(readFileSync(`${target}/usr/lib/libc.so`, "utf8")).toBe("libc");
    expect(lstatSync(`${target}/lib`).isSymbolicLink()).toBe(true);
    expect(lstatSync(`${target}/f`).isFile()).toBe(true);
    expect(readFileSync(`${outside}/secret`, "utf8")).toBe("keep");
  });

  it("refuses device nodes unless allowed, and creates them when allowed", async () => {
    const tty = [{ name: "dev/null", type: "character-device" as const, devmajor: 1, devminor: 3, mode: 0o666 }];
    await expectRefused(tty, "dev/null", /character device; device nodes are refused/);
    const { target } = scene("dev");
    await unpackLayer(streamOf(await tarOf(tty)), target, { allowDevices: true });
    const st = lstatSync(`${target}/dev/null`);
    expect([st.isCharacterDevice(), st.rdev, st.mode & 0o777]).toEqual([true, 259, 0o666]);
  });
});

describe("unpackLayer refuses entries that would write outside the target", () => {
  it("refuses .. that climbs above the root", async () => {
    await expectRefused([{ name: "a/../../etc/passwd", content: "x" }], "a/../../etc/passwd", /escapes the root/);
  });

  it("refuses a file written through a symlink that leads outside", async () => {
    await expectRefused(
      [
        { name: "link", type: "symlink", linkname: "../outside" },
        { name: "link/pwned", content: "x" },
      ],
      "link/pwned",
      /passes through symlink "link" -> "\.\.\/outside", which leads outside the root/,
    );
  });

  it("refuses a file under a symlink to /", async () => {
    const name = `berth-test-evil-${process.pid}`;
    outsideNames.push(`/${name}`);
    await expectRefused(
      [
        { name: "dir", type: "symlink", linkname: "/" },
        { name: `dir/${name}`, content: "x" },
      ],
      `dir/${name}`,
      /passes through symlink "dir" -> "\/"/,
    );
    expect(existsSync(`/${name}`)).toBe(false);
  });

  it("refuses hard links to files outside the root, directly or through a symlink", async () => {
    await expectRefused([{ name: "hl", type: "link", linkname: "../outside/secret" }], "hl", /hard link to "\.\.\/outside\/secret", outside the layer root/);
    await expectRefused(
      [
        { name: "s", type: "symlink", linkname: "../outside" },
        { name: "hl", type: "link", linkname: "s/secret" },
      ],
      "hl",
      /hard link to "s\/secret", which passes through symlink "s"/,
    );
  });

  it("refuses a path through a symlink loop", async () => {
    await expectRefused(
      [
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "a" },
        { name: "a/x", content: "x" },
      ],
      "a/x",
      /symlink loop at "(a|b)"/,
    );
  });

  it("refuses a malformed whiteout", async () => {
    await expectRefused([{ name: "d/.wh..", content: "" }], "d/.wh..", /malformed whiteout/);
  });
});

describe("unpackLayer turns whiteouts into their overlayfs form", () => {
  it("makes .wh.NAME a 0/0 character device, .wh..wh..opq an opaque xattr, and skips other .wh..wh. names", async () => {
    const { target } = scene("wh");
    const stats = await unpackLayer(
      streamOf(
        await tarOf([
          { name: "etc/", type: "directory" },
          { name: "etc/.wh.passwd", content: "" },
          { name: "var/", type: "directory", mode: 0o711 },
          { name: "var/.wh..wh..opq", content: "" },
          { name: ".wh..wh.plnk/", type: "directory" },
          { name: ".wh..wh.aufs", content: "" },
        ]),
      ),
      target,
    );
    expect([stats.whiteouts, stats.opaqueDirs]).toEqual([1, 1]);
    const wh = lstatSync(`${target}/etc/passwd`);
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect(Buffer.from(sys.lgetxattr(`${target}/var`, "trusted.overlay.opaque") ?? []).toString()).toBe("y");
    expect(lstatSync(`${target}/var`).mode & 0o7777).toBe(0o711);
    expect(listing(target)).toEqual(["etc", "etc/passwd", "var"]);
  });
});

describe("unpackLayer on bad input", () => {
  it("names the layer when the stream is not a tar or ends inside an entry", async () => {
    const { target } = scene("bad");
    await expect(unpackLayer(streamOf(Buffer.alloc(1024, 1)), target, { layer: LAYER })).rejects.toThrowError(
      new RegExp(`layer ${LAYER}: .*checksum`),
    );
    const tarball = await tarOf([{ name: "big", content: Buffer.alloc(5000, 1) }]);
    await expect(unpackLayer(streamOf(tarball.subarray(0, 3000)), `${target}2`, { layer: LAYER })).rejects.toThrowError(
      /ends inside an entry/,
    );
  });
});

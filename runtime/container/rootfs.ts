/**
 * A container's root filesystem: the image's layers unpacked once each as snapshots, then an
 * overlay of them with the container's own upper and work directories (a copy where overlayfs
 * is unavailable), under `<root>/containers/<id>/`.
 */
import { mkdirSync, rmSync } from "node:fs";
import { copyRootfs, mountRootfs, prepareSnapshots, unmountRootfs } from "../image/layers/index.ts";
import type { ImageRecord, ImageStore } from "../image/store/index.ts";

export interface RootfsPaths {
  rootfs: string;
  upper: string;
  work: string;
}

export function rootfsPaths(containerDir: string): RootfsPaths {
  return { rootfs: `${containerDir}/rootfs`, upper: `${containerDir}/upper`, work: `${containerDir}/work` };
}

/**
 * Snapshot the image's layers and mount the container's view; returns the rootfs path.
 * `ephemeral` (a --rm container) mounts it volatile: nothing synced, nothing to wait for at umount.
 */
export async function prepareRootfs(images: ImageStore, image: ImageRecord, containerDir: string, ephemeral = false): Promise<string> {
  const manifest = images.manifestOf(image);
  const diffIds = images.configOf(image).rootfs.diff_ids;
  const layers = manifest.layers.map((l, i) => ({ diffId: diffIds[i] as string, open: () => images.content.stream(l.digest) }));
  const snapshots = await prepareSnapshots(images.root, layers);
  const p = rootfsPaths(containerDir);
  for (const d of [p.rootfs, p.upper, p.work]) mkdirSync(d, { recursive: true, mode: 0o755 });
  try {
    mountRootfs({ snapshots, upper: p.upper, work: p.work, target: p.rootfs, volatile: ephemeral });
  } catch {
    // No overlayfs here: the copying fallback gives the same tree (no commit diff though).
    copyRootfs({ snapshots, target: p.rootfs });
  }
  return p.rootfs;
}

/** Unmount the container's view and drop its directories (idempotent). */
export function releaseRootfs(containerDir: string): void {
  const p = rootfsPaths(containerDir);
  unmountRootfs(p.rootfs);
  for (const d of [p.rootfs, p.upper, p.work]) rmSync(d, { recursive: true, force: true });
}

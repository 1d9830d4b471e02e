/**
 * runtime/image/layers — from image layers to a container's root filesystem and back:
 * safe unpacking with whiteouts in overlayfs form, snapshots keyed by chain ID, the overlay mount
 * (or a copying fallback), and the diff of a container's upper directory for commit.
 */
export { LayerEntryError, LayerError } from "./errors.ts";
export { unpackLayer, type UnpackOptions, type UnpackStats } from "./unpack.ts";
export { detectCompression, type Compression } from "./decompress.ts";
export {
  chainIds, prepareSnapshots, removeUnusedSnapshots, snapshotPath, snapshotsDir,
  type LayerSource, type PrepareOptions,
} from "./snapshots.ts";
export { mountRootfs, unmountRootfs, RootfsMountError, type RootfsLayout } from "./mount.ts";
export { copyRootfs, type CopyRootfsOptions } from "./copy.ts";
export { diffUpper, UpperDiff } from "./diff.ts";

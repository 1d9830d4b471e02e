export { applyChanges, ChangeError, SUPPORTED_CHANGES } from "./changes.ts";
export { autoDecompress, decompress, digestStream } from "./compression.ts";
export { ArchiveError, ArchiveFiles } from "./files.ts";
export { importRootfs, type ImportOptions } from "./import-rootfs.ts";
export { loadImages, type LoadInput, type LoadOptions } from "./load.ts";
export type { LoadedImage } from "./loaded.ts";
export { saveImages, selectImages } from "./save.ts";

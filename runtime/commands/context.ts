/**
 * What every command shares: the global options (--root), the image store they name, the
 * --format option, and the error a command throws for a usage mistake (exit code 125).
 */
import type { Argv } from "../cli/types.ts";
import { UsageError } from "../cli/usage-error.ts";
import { DEFAULT_ROOT } from "../image/store/defaults.ts";
import type { ImageStore } from "../image/store/images.ts";

export interface GlobalArgs {
  root: string | undefined;
}

export { UsageError } from "../cli/usage-error.ts";

export function rootFrom(argv: { root?: string | undefined }): string {
  return argv.root || process.env.BERTH_ROOT || DEFAULT_ROOT;
}

/**
 * The image store (loaded on first use: `berth version` and `berth plugins` never load it). An
 * image a container uses is "in use" (rmi refuses it without -f); pruning also removes the layer
 * snapshots no remaining image needs.
 */
export async function openStore(argv: { root?: string | undefined }): Promise<ImageStore> {
  const { ImageStore } = await import("../image/store/images.ts");
  const { ContainerStore } = await import("../container/store.ts");
  const { chainIds, removeUnusedSnapshots } = await import("../image/layers/snapshots.ts");
  const root = rootFrom(argv);
  const containers = new ContainerStore(root);
  let used: Set<string> | undefined;
  const store = ImageStore.open(root, { isInUse: (image) => (used ??= new Set(containers.list().map((c) => c.imageId))).has(image.id) });
  store.addPruneHook((images, s) => {
    removeUnusedSnapshots(s.root, new Set(images.flatMap((i) => chainIds(s.configOf(i).rootfs.diff_ids))));
  });
  return store;
}

/** --format: "table" (default) or "json" (one JSON document per line). */
export function withFormat<T>(y: Argv<T>): Argv<T & { format: string }> {
  return y.option("format", { type: "string", default: "table", describe: 'output format: "table" or "json"' }).check((a) => {
    if (a.format !== "table" && a.format !== "json") throw new UsageError(`--format ${JSON.stringify(a.format)}: use "table" or "json"`);
    return true;
  }) as Argv<T & { format: string }>;
}

export function isJson(argv: { format?: string }): boolean {
  return argv.format === "json";
}

export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function printJsonLines(docs: readonly unknown[]): void {
  if (docs.length > 0) process.stdout.write(docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
}

/** The exit code a command asks for without failing (e.g. a CNI plugin run through `berth cni`). */
export const outcome = { exitCode: 0 };

/** `berth image prune [-a]`: remove dangling (untagged) images, or with -a every image, then the blobs nothing uses. */
import type { CommandModule } from "../cli/types.ts";
import { isJson, openStore, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { humanSize } from "./format.ts";

interface Args extends GlobalArgs {
  all: boolean;
  force: boolean;
  format: string;
}

export const pruneCommand: CommandModule<GlobalArgs, Args> = {
  command: "prune",
  describe: "remove unused images and blobs",
  builder: (y) =>
    withFormat(y)
      .option("all", { alias: "a", type: "boolean", default: false, describe: "remove all images not used by a container, not just dangling ones" })
      .option("force", { alias: "f", type: "boolean", default: false, describe: "do not ask (berth never asks)" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const deleted: { Untagged?: string; Deleted?: string }[] = [];
    const stored = () => store.content.list().reduce((n, d) => n + (store.content.size(d) ?? 0), 0);
    const before = stored();
    for (const image of store.list()) {
      if (!argv.all && (image.repoTags.length > 0 || image.repoDigests.length > 0)) continue;
      for (const line of store.remove(image.id, { force: true })) {
        const [kind, what] = line.split(": ") as [string, string];
        deleted.push(kind === "Deleted" ? { Deleted: what } : { Untagged: what });
      }
    }
    const blobs = store.prune();
    const bytes = before - stored();
    if (isJson(argv)) {
      printJsonLines([{ ImagesDeleted: deleted, BlobsDeleted: blobs.blobs, SpaceReclaimed: bytes }]);
      return;
    }
    const lines = deleted.map((d) => (d.Deleted !== undefined ? `deleted: ${d.Deleted}` : `untagged: ${d.Untagged}`));
    print(`${lines.length > 0 ? `Deleted Images:\n${lines.join("\n")}\n\n` : ""}Total reclaimed space: ${humanSize(bytes)}`);
  },
};

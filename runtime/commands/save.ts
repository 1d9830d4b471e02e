/** `berth save [-o FILE] IMAGE...`: a docker-archive (Docker 25 layout) that docker, podman and skopeo load. */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { dirname, basename } from "node:path";
import type { CommandModule } from "../cli/types.ts";
import { openStore, UsageError, withFormat, type GlobalArgs } from "./context.ts";

interface Args extends GlobalArgs {
  images: string[];
  output?: string;
  format: string;
}

export const saveCommand: CommandModule<GlobalArgs, Args> = {
  command: "save <images..>",
  describe: "write images to a tar archive (stdout by default)",
  builder: (y) =>
    withFormat(y)
      .positional("images", { type: "string", array: true, demandOption: true })
      .option("output", { alias: "o", type: "string", describe: "write to FILE instead of stdout" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const { saveImages } = await import("../image/archive/save.ts");
    if (argv.output === undefined || argv.output === "-") {
      if (process.stdout.isTTY) throw new UsageError("cowardly refusing to save to a terminal: use -o FILE or redirect stdout");
      await saveImages(store, argv.images, process.stdout);
      return;
    }
    // Written next to the target and renamed: a failed save leaves no half archive under FILE.
    const tmp = `${dirname(argv.output)}/.${basename(argv.output)}.berth-${process.pid}`;
    try {
      await saveImages(store, argv.images, createWriteStream(tmp, { mode: 0o644 }));
      renameSync(tmp, argv.output);
    } finally {
      rmSync(tmp, { force: true });
    }
  },
};

/** `berth image SUBCOMMAND`: the image commands grouped as docker groups them (image ls, image rm, image inspect, image prune...). */
import type { CommandModule } from "../cli/types.ts";
import type { GlobalArgs } from "./context.ts";
import { historyCommand } from "./history.ts";
import { imagesCommand } from "./images.ts";
import { importCommand } from "./import.ts";
import { inspectCommand } from "./inspect.ts";
import { loadCommand } from "./load.ts";
import { pruneCommand } from "./prune.ts";
import { rmiCommand } from "./rmi.ts";
import { saveCommand } from "./save.ts";
import { tagCommand } from "./tag.ts";

const ls: CommandModule<GlobalArgs, never> = { ...(imagesCommand as CommandModule<GlobalArgs, never>), command: "ls [reference]", aliases: ["list"] };
const rm: CommandModule<GlobalArgs, never> = { ...(rmiCommand as CommandModule<GlobalArgs, never>), command: "rm <images..>", aliases: ["remove"] };

export const imageCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "image <command>",
  describe: "manage images (ls, rm, tag, history, inspect, prune, load, save, import)",
  builder: (y) =>
    y
      .command(ls)
      .command(rm)
      .command(tagCommand as CommandModule<GlobalArgs, never>)
      .command(historyCommand as CommandModule<GlobalArgs, never>)
      .command(inspectCommand as CommandModule<GlobalArgs, never>)
      .command(pruneCommand as CommandModule<GlobalArgs, never>)
      .command(loadCommand as CommandModule<GlobalArgs, never>)
      .command(saveCommand as CommandModule<GlobalArgs, never>)
      .command(importCommand as CommandModule<GlobalArgs, never>)
      .demandCommand(1, "") as never,
  handler: () => undefined,
};

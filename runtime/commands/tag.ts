/** `berth tag SOURCE TARGET`: another name for an image. */
import type { CommandModule } from "../cli/types.ts";
import { normalizeReference } from "../image/reference.ts";
import { isJson, openStore, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";

interface Args extends GlobalArgs {
  source: string;
  target: string;
  format: string;
}

export const tagCommand: CommandModule<GlobalArgs, Args> = {
  command: "tag <source> <target>",
  describe: "add the name TARGET to the image SOURCE",
  builder: (y) =>
    withFormat(y)
      .positional("source", { type: "string", demandOption: true, describe: "image name or ID" })
      .positional("target", { type: "string", demandOption: true, describe: "new NAME[:TAG]" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    store.tag(argv.source, argv.target);
    if (isJson(argv)) printJsonLines([{ ID: store.require(argv.target).id, Tag: normalizeReference(argv.target) }]);
  },
};

/** `berth rmi [-f] IMAGE...`: untag and delete images, docker's way (one failure does not stop the rest). */
import type { CommandModule } from "../cli/types.ts";
import { isJson, openStore, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { ReportedFailure, reportFailure } from "./errors.ts";

interface Args extends GlobalArgs {
  images: string[];
  force: boolean;
  format: string;
}

export const rmiCommand: CommandModule<GlobalArgs, Args> = {
  command: "rmi <images..>",
  describe: "remove images",
  builder: (y) =>
    withFormat(y)
      .positional("images", { type: "string", array: true, demandOption: true, describe: "names or IDs" })
      .option("force", { alias: "f", type: "boolean", default: false, describe: "remove an image with several repositories, untag one in use" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    let exitCode = 0;
    const results: { Untagged: string[]; Deleted: string[] }[] = [];
    for (const ref of argv.images) {
      try {
        const lines = store.remove(ref, { force: argv.force });
        if (isJson(argv)) {
          const pick = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
          results.push({ Untagged: pick("Untagged: "), Deleted: pick("Deleted: ") });
        } else if (lines.length > 0) print(lines.join("\n"));
      } catch (err) {
        exitCode = Math.max(exitCode, reportFailure("rmi", err));
      }
    }
    printJsonLines(results);
    if (exitCode !== 0) throw new ReportedFailure(exitCode);
  },
};

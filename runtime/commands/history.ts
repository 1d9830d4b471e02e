/** `berth history IMAGE`: the image's history entries, newest first, with the size of the layer each made. */
import type { CommandModule } from "../cli/types.ts";
import type { HistoryEntry } from "../image/store/manifest.ts";
import { isJson, openStore, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { ellipsis, humanSize, shortId, since, table } from "./format.ts";

interface Args extends GlobalArgs {
  image: string;
  quiet: boolean;
  human: boolean;
  "no-trunc": boolean;
  format: string;
}

export const historyCommand: CommandModule<GlobalArgs, Args> = {
  command: "history <image>",
  describe: "show the history of an image",
  builder: (y) =>
    withFormat(y)
      .positional("image", { type: "string", demandOption: true })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "only image IDs" })
      .option("human", { alias: "H", type: "boolean", default: true, describe: "sizes and dates in human form" })
      .option("no-trunc", { type: "boolean", default: false, describe: "do not truncate output" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const image = store.require(argv.image);
    const config = store.configOf(image);
    const layers = store.manifestOf(image).layers;
    const history: HistoryEntry[] = config.history ?? layers.map(() => ({}));
    let layer = 0;
    const entries = history.map((h) => {
      const size = h.empty_layer ? 0 : (layers[layer++]?.size ?? 0);
      return { ...h, size };
    });
    entries.reverse();
    const ids = entries.map((_, i) => (i === 0 ? image.id : "<missing>"));
    const idText = (id: string) => (id === "<missing>" || argv["no-trunc"] ? id : shortId(id));
    if (argv.quiet) {
      print(ids.map(idText).join("\n"));
      return;
    }
    if (isJson(argv)) {
      printJsonLines(
        entries.map((e, i) => ({
          Comment: e.comment ?? "",
          CreatedAt: e.created ?? "",
          CreatedBy: e.created_by ?? "",
          CreatedSince: since(e.created),
          ID: ids[i],
          Size: argv.human ? humanSize(e.size) : String(e.size),
        })),
      );
      return;
    }
    const by = (s: string) => (argv["no-trunc"] ? s : ellipsis(s.replace(/\s+/g, " "), 45));
    const rows = entries.map((e, i) => [
      idText(ids[i] ?? ""),
      argv.human ? since(e.created) : (e.created ?? ""),
      by(e.created_by ?? ""),
      argv.human ? humanSize(e.size) : String(e.size),
      e.comment ?? "",
    ]);
    process.stdout.write(table(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], rows));
  },
};

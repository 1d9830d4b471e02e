/** `berth load [-i FILE]`: images from a docker-archive or an OCI layout (file, directory, or stdin). */
import type { CommandModule } from "../cli/types.ts";
import type { LoadedImage } from "../image/archive/loaded.ts";
import { familiar } from "../image/reference.ts";
import { isJson, openStore, print, printJsonLines, UsageError, withFormat, type GlobalArgs } from "./context.ts";

interface Args extends GlobalArgs {
  input?: string;
  quiet: boolean;
  platform?: string;
  format: string;
}

export function loadedLines(images: readonly LoadedImage[]): string[] {
  const lines: string[] = [];
  for (const image of images) {
    for (const r of image.replaced) lines.push(`The image ${familiar(r.tag)} already exists, renaming the old one with ID ${r.oldId} to empty string`);
    if (image.repoTags.length === 0) lines.push(`Loaded image ID: ${image.id}`);
    for (const tag of image.repoTags) lines.push(`Loaded image: ${familiar(tag)}`);
  }
  return lines;
}

export const loadCommand: CommandModule<GlobalArgs, Args> = {
  command: "load",
  describe: "load images from a docker-archive or OCI layout (tar, or a directory with -i)",
  builder: (y) =>
    withFormat(y)
      .option("input", { alias: "i", type: "string", describe: "read from FILE or directory instead of stdin" })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "print nothing" })
      .option("platform", { type: "string", describe: "os/arch[/variant] to pick from multi-platform images" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const { loadImages } = await import("../image/archive/load.ts");
    const { parsePlatform } = await import("../image/store/platform.ts");
    const platform = argv.platform === undefined ? undefined : parsePlatform(argv.platform);
    let images: LoadedImage[];
    const options = platform === undefined ? {} : { platform };
    if (argv.input !== undefined && argv.input !== "-") {
      images = await loadImages(store, { path: argv.input }, options);
    } else {
      if (process.stdin.isTTY) throw new UsageError("requested load from stdin, but stdin is a terminal: use -i FILE or redirect stdin");
      images = await loadImages(store, { stream: process.stdin, name: "stdin" }, options);
    }
    if (isJson(argv)) printJsonLines(images.map((i) => ({ ID: i.id, RepoTags: i.repoTags.map(familiar) })));
    else if (!argv.quiet) print(loadedLines(images).join("\n"));
  },
};

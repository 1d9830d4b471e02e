/** `berth import FILE|- [REPOSITORY[:TAG]]`: a one-layer image from a root filesystem tarball (plain, gzip, zstd). */
import { createReadStream, statSync } from "node:fs";
import type { CommandModule } from "../cli/types.ts";
import { familiar } from "../image/reference.ts";
import { isJson, openStore, print, printJsonLines, UsageError, withFormat, type GlobalArgs } from "./context.ts";

interface Args extends GlobalArgs {
  file: string;
  reference?: string;
  change: string[];
  message?: string;
  platform?: string;
  format: string;
}

export const importCommand: CommandModule<GlobalArgs, Args> = {
  command: "import <file> [reference]",
  describe: "create an image from a root filesystem tarball (- for stdin)",
  builder: (y) =>
    withFormat(y)
      .positional("file", { type: "string", demandOption: true, describe: "tarball, or - for stdin" })
      .positional("reference", { type: "string", describe: "REPOSITORY[:TAG] for the new image" })
      .option("change", { alias: "c", type: "string", array: true, default: [], describe: "Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL" })
      .option("message", { alias: "m", type: "string", describe: "history comment" })
      .option("platform", { type: "string", describe: "os/arch[/variant] the image is for (default: this machine's)" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const { importRootfs } = await import("../image/archive/import-rootfs.ts");
    const { parsePlatform } = await import("../image/store/platform.ts");
    let source: AsyncIterable<Uint8Array>;
    if (argv.file === "-") {
      if (process.stdin.isTTY) throw new UsageError("import from stdin, but stdin is a terminal: give a FILE or redirect stdin");
      source = process.stdin;
    } else {
      if (/^[a-z]+:\/\//i.test(argv.file)) throw new UsageError(`${argv.file}: importing from a URL is not supported: download it and give the file`);
      if (statSync(argv.file, { throwIfNoEntry: false })?.isFile() !== true) throw new UsageError(`${JSON.stringify(argv.file)} is not a file`);
      source = createReadStream(argv.file);
    }
    const image = await importRootfs(store, source, {
      source: argv.file,
      changes: argv.change.map(String),
      ...(argv.reference !== undefined ? { tag: argv.reference } : {}),
      ...(argv.message !== undefined ? { message: argv.message } : {}),
      ...(argv.platform !== undefined ? { platform: parsePlatform(argv.platform) } : {}),
    });
    if (isJson(argv)) printJsonLines([{ ID: image.id, RepoTags: image.repoTags.map(familiar) }]);
    else print(image.id);
  },
};

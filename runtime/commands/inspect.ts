/** `berth image inspect IMAGE...`: docker's JSON description of images (an array; one line each with --format json). */
import type { CommandModule } from "../cli/types.ts";
import { familiar } from "../image/reference.ts";
import type { ImageRecord, ImageStore } from "../image/store/images.ts";
import { isJson, openStore, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { ReportedFailure, reportFailure } from "./errors.ts";

interface Args extends GlobalArgs {
  images: string[];
  format: string;
}

export function inspectImage(store: ImageStore, image: ImageRecord): Record<string, unknown> {
  const config = store.configOf(image);
  const c = config.config ?? {};
  return {
    Id: image.id,
    RepoTags: image.repoTags.map(familiar),
    RepoDigests: image.repoDigests.map(familiar),
    Parent: "",
    Comment: config.history?.at(-1)?.comment ?? "",
    Created: config.created ?? "",
    Author: config.author ?? "",
    Architecture: config.architecture,
    ...(config.variant !== undefined ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: store.sizeOf(image),
    Config: {
      User: c.User ?? "",
      ExposedPorts: c.ExposedPorts ?? null,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? "",
      Entrypoint: c.Entrypoint ?? null,
      Labels: c.Labels ?? null,
      ...(c.StopSignal !== undefined ? { StopSignal: c.StopSignal } : {}),
    },
    RootFS: { Type: "layers", Layers: config.rootfs.diff_ids },
    Descriptor: { mediaType: store.manifestOf(image).mediaType, digest: image.manifest, size: store.content.size(image.manifest) ?? 0 },
  };
}

export const inspectCommand: CommandModule<GlobalArgs, Args> = {
  command: "inspect <images..>",
  describe: "describe images in JSON",
  builder: (y) => withFormat(y).positional("images", { type: "string", array: true, demandOption: true }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const docs: Record<string, unknown>[] = [];
    let exitCode = 0;
    for (const ref of argv.images) {
      try {
        docs.push(inspectImage(store, store.require(ref)));
      } catch (err) {
        exitCode = Math.max(exitCode, reportFailure("image inspect", err));
      }
    }
    if (isJson(argv)) printJsonLines(docs);
    else print(JSON.stringify(docs, null, 4));
    if (exitCode !== 0) throw new ReportedFailure(exitCode);
  },
};

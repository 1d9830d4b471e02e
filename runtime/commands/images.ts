/** `berth images [REPOSITORY[:TAG]]`: docker's image list (REPOSITORY TAG IMAGE ID CREATED SIZE). */
import type { CommandModule } from "../cli/types.ts";
import { familiarRepository, parseReference, repositoryOf } from "../image/reference.ts";
import type { ImageRecord, ImageStore } from "../image/store/images.ts";
import { isJson, openStore, print, printJsonLines, withFormat, type GlobalArgs } from "./context.ts";
import { humanSize, shortId, since, table } from "./format.ts";

interface Args extends GlobalArgs {
  reference?: string;
  quiet: boolean;
  digests: boolean;
  "no-trunc": boolean;
  all: boolean;
  format: string;
}

interface Row {
  image: ImageRecord;
  repository: string;
  tag: string;
  digest: string;
  size: number;
}

function rowsOf(store: ImageStore, image: ImageRecord): Row[] {
  const size = store.sizeOf(image);
  const digestFor = (repo: string) => image.repoDigests.find((d) => d.startsWith(`${repo}@`))?.split("@")[1] ?? "<none>";
  if (image.repoTags.length > 0) {
    return image.repoTags.map((t) => {
      const ref = parseReference(t);
      return { image, repository: familiarRepository(ref), tag: ref.tag ?? "<none>", digest: digestFor(repositoryOf(ref)), size };
    });
  }
  if (image.repoDigests.length > 0) {
    return image.repoDigests.map((d) => {
      const ref = parseReference(d);
      return { image, repository: familiarRepository(ref), tag: "<none>", digest: ref.digest ?? "<none>", size };
    });
  }
  return [{ image, repository: "<none>", tag: "<none>", digest: "<none>", size }];
}

function matches(row: Row, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const ref = parseReference(filter);
  if (familiarRepository(ref) !== row.repository) return false;
  return ref.tag === undefined || ref.tag === row.tag;
}

export const imagesCommand: CommandModule<GlobalArgs, Args> = {
  command: "images [reference]",
  describe: "list images",
  builder: (y) =>
    withFormat(y)
      .positional("reference", { type: "string", describe: "only this REPOSITORY[:TAG]" })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "only image IDs" })
      .option("digests", { type: "boolean", default: false, describe: "show digests" })
      .option("no-trunc", { type: "boolean", default: false, describe: "full IDs" })
      .option("all", { alias: "a", type: "boolean", default: false, describe: "all images (berth keeps no intermediate images)" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const images = [...store.list()].sort((a, b) => (b.created ?? "").localeCompare(a.created ?? ""));
    const rows = images.flatMap((i) => rowsOf(store, i)).filter((r) => matches(r, argv.reference));
    const id = (i: ImageRecord) => (argv["no-trunc"] ? i.id : shortId(i.id));
    if (argv.quiet) {
      const ids = [...new Set(rows.map((r) => id(r.image)))];
      if (ids.length > 0) print(ids.join("\n"));
      return;
    }
    if (isJson(argv)) {
      printJsonLines(
        rows.map((r) => ({
          Containers: "N/A",
          CreatedAt: r.image.created ?? "",
          CreatedSince: since(r.image.created),
          Digest: r.digest,
          ID: id(r.image),
          Repository: r.repository,
          SharedSize: "N/A",
          Size: humanSize(r.size),
          Tag: r.tag,
          UniqueSize: "N/A",
          VirtualSize: humanSize(r.size),
        })),
      );
      return;
    }
    const header = argv.digests ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"] : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
    const cells = rows.map((r) => [r.repository, r.tag, ...(argv.digests ? [r.digest] : []), id(r.image), since(r.image.created), humanSize(r.size)]);
    process.stdout.write(table(header, cells));
  },
};

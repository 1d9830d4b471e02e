/**
 * `berth pull`, `berth push`, `berth login`, `berth logout`: the registry client over the image
 * store. Progress goes to stderr (redrawn on a terminal, one line otherwise); passwords are never
 * printed. Credentials live in `<root>/auth.json` (mode 0600).
 */
import type { CommandModule } from "../cli/types.ts";
import { openStore, print, rootFrom, UsageError, type GlobalArgs } from "./context.ts";

interface PullArgs extends GlobalArgs {
  image: string;
  platform?: string;
  quiet: boolean;
}

export const pullCommand: CommandModule<GlobalArgs, PullArgs> = {
  command: "pull <image>",
  describe: "pull an image from a registry (OCI distribution API v2)",
  builder: (y) =>
    y
      .positional("image", { type: "string", demandOption: true })
      .option("platform", { type: "string", describe: "os/arch[/variant] to pick from a multi-platform image" })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "print only the image reference" }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const { pull, credentialsFrom, progressRenderer } = await import("../registry/index.ts");
    const { familiar } = await import("../image/reference.ts");
    const progress = progressRenderer(process.stderr, "pull");
    using _lease = store.content.lease();
    const result = await pull(argv.image, store.content, {
      credentials: credentialsFrom(rootFrom(argv)),
      ...(argv.platform === undefined ? {} : { platform: argv.platform }),
      ...(argv.quiet ? {} : { onEvent: progress.onEvent }),
    });
    const tag = result.reference.includes("@") ? [] : [result.reference];
    store.put({ manifest: result.manifestDigest, repoTags: tag, repoDigests: [`${result.repository}@${result.digest}`] });
    if (!argv.quiet) progress.finish(`Digest: ${result.digest}\nStatus: ${result.fetched.length > 0 ? "Downloaded newer image" : "Image is up to date"} for ${familiar(result.reference)}`);
    print(familiar(result.reference));
  },
};

interface PushArgs extends GlobalArgs {
  image: string;
  quiet: boolean;
}

export const pushCommand: CommandModule<GlobalArgs, PushArgs> = {
  command: "push <image>",
  describe: "push an image to a registry (blobs it has already are skipped)",
  builder: (y) => y.positional("image", { type: "string", demandOption: true }).option("quiet", { alias: "q", type: "boolean", default: false }) as never,
  handler: async (argv) => {
    const store = await openStore(argv);
    const { push, credentialsFrom, progressRenderer } = await import("../registry/index.ts");
    const { normalizeReference, familiar } = await import("../image/reference.ts");
    const image = store.get(argv.image);
    if (image === undefined) throw new UsageError(`no such image "${argv.image}": tag one with that name first (berth tag IMAGE ${argv.image})`);
    const ref = normalizeReference(argv.image);
    const host = ref.split("/")[0];
    const mountFrom = image.repoDigests.map((d) => d.split("@")[0] as string).filter((r) => r.startsWith(`${host}/`));
    const progress = progressRenderer(process.stderr, "push");
    const result = await push(ref, { manifest: image.manifest, size: (d) => store.content.size(d) ?? 0, stream: (d) => store.content.stream(d) }, {
      credentials: credentialsFrom(rootFrom(argv)),
      mountFrom,
      ...(argv.quiet ? {} : { onEvent: progress.onEvent }),
    });
    store.put({ manifest: image.manifest, repoDigests: [`${result.repository}@${result.digest}`] });
    if (!argv.quiet) progress.finish(`${familiar(ref).split(":").at(-1)}: digest: ${result.digest}`);
  },
};

interface LoginArgs extends GlobalArgs {
  server: string;
  username?: string;
  password?: string;
  "password-stdin": boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export const loginCommand: CommandModule<GlobalArgs, LoginArgs> = {
  command: "login <server>",
  describe: "log in to a registry (credentials stored in <root>/auth.json, mode 0600)",
  builder: (y) =>
    y
      .positional("server", { type: "string", demandOption: true })
      .option("username", { alias: "u", type: "string" })
      .option("password", { alias: "p", type: "string" })
      .option("password-stdin", { type: "boolean", default: false }) as never,
  handler: async (argv) => {
    if (argv.username === undefined) throw new UsageError("login needs --username (-u)");
    const password = argv["password-stdin"] ? await readStdin() : argv.password;
    if (password === undefined || password === "") throw new UsageError("login needs --password-stdin (or -p PASSWORD)");
    const { login } = await import("../registry/index.ts");
    await login(rootFrom(argv), argv.server, argv.username, password);
    print("Login Succeeded");
  },
};

export const logoutCommand: CommandModule<GlobalArgs, { server: string } & GlobalArgs> = {
  command: "logout <server>",
  describe: "forget the credentials of a registry",
  builder: (y) => y.positional("server", { type: "string", demandOption: true }) as never,
  handler: async (argv) => {
    const { logout } = await import("../registry/index.ts");
    print((await logout(rootFrom(argv), argv.server)) ? `Removing login credentials for ${argv.server}` : `Not logged in to ${argv.server}`);
  },
};

/** `berth commit`, `berth diff`, `berth export`: a container's changes as an image, a list, or a tarball. */
import { spawn } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import type { CommandModule } from "../cli/types.ts";
import { outcome, print, type GlobalArgs } from "./context.ts";
import { openRuntime } from "./runtime-context.ts";

interface CommitArgs extends GlobalArgs {
  container: string;
  repository?: string;
  message?: string;
  author?: string;
  change: string[];
}

export const commitCommand: CommandModule<GlobalArgs, CommitArgs> = {
  command: "commit <container> [repository]",
  describe: "create an image from a container's changes",
  builder: (y) =>
    y
      .option("message", { alias: "m", type: "string" })
      .option("author", { alias: "a", type: "string" })
      .option("change", { alias: "c", type: "string", array: true, default: [] }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { commitContainer } = await import("../container/commit.ts");
    const rec = rt.containers.get(argv.container);
    const image = await commitContainer(rt.images, rec, rt.containers.path(rec.id), {
      ...(argv.repository !== undefined ? { tag: argv.repository } : {}),
      ...(argv.message !== undefined ? { message: argv.message } : {}),
      ...(argv.author !== undefined ? { author: argv.author } : {}),
      changes: argv.change,
    });
    print(image.id);
  },
};

export const diffCommand: CommandModule<GlobalArgs, GlobalArgs & { container: string }> = {
  command: "diff <container>",
  describe: "list the files a container added (A), changed (C) or deleted (D)",
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { containerDiff } = await import("../container/commit.ts");
    const { chainIds, snapshotPath } = await import("../image/layers/index.ts");
    const rec = rt.containers.get(argv.container);
    const image = rt.images.get(rec.imageId);
    const lowers = image === undefined ? [] : chainIds(rt.images.configOf(image).rootfs.diff_ids).map((c) => snapshotPath(rt.root, c));
    const lowerHas = (p: string) =>
      lowers.some((l) => {
        try {
          lstatSync(`${l}${p}`);
          return true;
        } catch {
          return false;
        }
      });
    const lines = containerDiff(rt.containers.path(rec.id), lowerHas);
    if (lines.length > 0) print(lines.join("\n"));
  },
};

export const exportCommand: CommandModule<GlobalArgs, GlobalArgs & { container: string; output?: string }> = {
  command: "export <container>",
  describe: "write a container's root filesystem as a tar archive (stdout, or -o FILE)",
  builder: (y) => y.option("output", { alias: "o", type: "string" }) as never,
  handler: async (argv) => {
    const { rt } = await openRuntime(argv);
    const { rootfsPaths } = await import("../container/rootfs.ts");
    const rec = rt.containers.get(argv.container);
    const rootfs = rootfsPaths(rt.containers.path(rec.id)).rootfs;
    if (!existsSync(`${rootfs}/.`)) throw new Error(`container ${argv.container} has no root filesystem mounted`);
    const args = ["--numeric-owner", "--xattrs", "-C", rootfs, "-cf", argv.output ?? "-", "."];
    const child = spawn("tar", args, { stdio: ["ignore", argv.output === undefined ? "inherit" : "ignore", "inherit"] });
    outcome.exitCode = await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code === 0 ? 0 : 1)));
  },
};

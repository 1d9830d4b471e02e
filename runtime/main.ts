/**
 * The multi-call entry of the berth binary. Like busybox, it looks at the name it was called by:
 * a plugin name (a symlink in /opt/cni/bin) runs that CNI plugin; anything else is the berth CLI.
 *
 * Only the code the chosen path needs is loaded. VERSION, which runtimes call to probe every
 * plugin, is the same for all of them and is answered here with Bun's own stdio (node:fs alone
 * costs ~2.5 ms to load in a compiled binary; the whole answer takes about as long as a Bun
 * "hello world").
 */
import { versionReply } from "../lib/cni/version.ts";
import { isatty } from "../native/isatty.ts";
import { PLUGINS } from "../plugins/registry.ts";

const argv0 = process.argv0 || "berth";
const invoked = argv0.slice(argv0.lastIndexOf("/") + 1);

if (Object.hasOwn(PLUGINS, invoked)) {
  if (process.env.CNI_COMMAND === "VERSION" && typeof Bun !== "undefined") {
    // A terminal on stdin (someone typing VERSION by hand) is read as empty, never waited on.
    const stdin = (await isatty(0)) ? new Uint8Array(0) : new Uint8Array(await Bun.stdin.arrayBuffer());
    await Bun.write(Bun.stdout, versionReply(stdin));
  } else {
    const { runCniPlugin } = await import("../plugins/run.ts");
    process.exitCode = await runCniPlugin(invoked);
  }
} else {
  const { runCli } = await import("./cli.ts");
  process.exitCode = await runCli(process.argv.slice(2));
}

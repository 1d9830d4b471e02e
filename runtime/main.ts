/**
 * The multi-call entry of the berth binary. Like busybox, it looks at the name it was called by:
 * a plugin name (a symlink in /opt/cni/bin) runs that CNI plugin; anything else is the berth CLI.
 * Only the code the chosen path needs is loaded: VERSION, which runtimes call to probe every
 * plugin, is the same for all of them and loads neither the plugin nor the kernel layers.
 */
import { basename } from "node:path";
import { PLUGINS } from "../plugins/registry.ts";

const invoked = basename(process.argv0 || "berth");

if (Object.hasOwn(PLUGINS, invoked)) {
  if (process.env.CNI_COMMAND === "VERSION") {
    const [{ versionReply }, { readStdinOnce }, { writeSync }] = await Promise.all([
      import("../lib/cni/version.ts"),
      import("../plugins/stdin.ts"),
      import("node:fs"),
    ]);
    writeSync(1, versionReply(readStdinOnce()()));
  } else {
    const { runCniPlugin } = await import("../plugins/run.ts");
    process.exitCode = await runCniPlugin(invoked);
  }
} else {
  const { runCli } = await import("./cli.ts");
  process.exitCode = await runCli(process.argv.slice(2));
}

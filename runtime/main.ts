/**
 * The multi-call entry of the berth binary. Like busybox, it looks at the name it was called by:
 * a plugin name (a symlink in /opt/cni/bin) runs that CNI plugin; anything else is the berth CLI.
 * Only the code the chosen path needs is loaded.
 */
import { basename } from "node:path";
import { PLUGINS } from "../plugins/registry.ts";

const invoked = basename(process.argv0 || "berth");

if (Object.hasOwn(PLUGINS, invoked)) {
  const { runCniPlugin } = await import("../plugins/run.ts");
  process.exitCode = await runCniPlugin(invoked);
} else {
  const { runCli } = await import("./cli.ts");
  process.exitCode = await runCli(process.argv.slice(2));
}

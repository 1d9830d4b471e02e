/**
 * The `berth` command line. Small for now: run a plugin by hand, list plugins, print versions.
 */
import { PLUGINS, pluginNames } from "../plugins/registry.ts";

declare const BERTH_VERSION: string | undefined;

const USAGE = `Usage: berth COMMAND

Commands:
  plugins            list the CNI plugins in this binary
  cni PLUGIN         run PLUGIN as a CNI runtime would: CNI_* environment, config on stdin
  version            print berth's version and the CNI versions it speaks
  help               this text

Each plugin is also reachable by its own name: a symlink named after it (see 'make install').`;

function version(): string {
  return typeof BERTH_VERSION === "string" ? BERTH_VERSION : "dev";
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    case "plugins":
      for (const name of pluginNames()) process.stdout.write(`${name.padEnd(12)} ${PLUGINS[name]?.summary ?? ""}\n`);
      return 0;
    case "version": {
      const { SUPPORTED_VERSIONS } = await import("../lib/cni/index.ts");
      process.stdout.write(`berth ${version()}\nCNI spec versions: ${SUPPORTED_VERSIONS.join(", ")}\n`);
      return 0;
    }
    case "cni": {
      const name = rest[0];
      if (name === undefined || !Object.hasOwn(PLUGINS, name)) {
        process.stderr.write(
          `berth cni: ${name === undefined ? "missing plugin name" : `unknown plugin ${JSON.stringify(name)}`}: choose one of ${pluginNames().join(", ")}\n`,
        );
        return 2;
      }
      const { runCniPlugin } = await import("../plugins/run.ts");
      return runCniPlugin(name);
    }
    default:
      process.stderr.write(`berth: unknown command ${JSON.stringify(command)}: run 'berth help' for the list\n`);
      return 2;
  }
}

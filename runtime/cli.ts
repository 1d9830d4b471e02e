/**
 * The `berth` command line. Small for now: run a plugin by hand, list plugins, print versions.
 */
import { PLUGINS, pluginNames } from "../plugins/registry.ts";

declare const BERTH_VERSION: string | undefined;

const USAGE = `Usage: berth COMMAND

Commands:
  plugins            list the CNI plugins in this binary
  cni PLUGIN         run PLUGIN as a CNI runtime would: CNI_* environment, config on stdin
  firewall reapply [--state-dir DIR]
                     re-apply berth's recorded nftables rules (after a flush or a firewall reload)
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
    case "firewall": {
      if (rest[0] !== "reapply") {
        process.stderr.write(`berth firewall: unknown subcommand ${JSON.stringify(rest[0] ?? "")}: the one there is is 'reapply'\n`);
        return 2;
      }
      const flag = rest.indexOf("--state-dir");
      const { DEFAULT_STATE_DIR } = await import("../lib/store/index.ts");
      const stateDir = flag >= 0 ? rest[flag + 1] : process.env.BERTH_STATE_DIR || DEFAULT_STATE_DIR;
      if (stateDir === undefined || stateDir === "") {
        process.stderr.write("berth firewall reapply: --state-dir needs a directory (the plugins' stateDir)\n");
        return 2;
      }
      const { reapplyMasquerade } = await import("../lib/firewall/index.ts");
      try {
        const networks = reapplyMasquerade(stateDir);
        process.stdout.write(networks.length === 0 ? `no recorded rules in ${stateDir}\n` : `re-applied masquerade of ${networks.join(", ")}\n`);
        return 0;
      } catch (err) {
        process.stderr.write(`berth firewall reapply: ${(err as Error).message}\n`);
        return 1;
      }
    }
    default:
      process.stderr.write(`berth: unknown command ${JSON.stringify(command)}: run 'berth help' for the list\n`);
      return 2;
  }
}

/** The commands berth had before the image store: plugins, cni, firewall reapply, version. Their output is unchanged. */
import type { CommandModule } from "../cli/types.ts";
import { PLUGINS, pluginNames } from "../../plugins/registry.ts";
import { isJson, outcome, printJsonLines, UsageError, withFormat, type GlobalArgs } from "./context.ts";

declare const BERTH_VERSION: string | undefined;

function version(): string {
  return typeof BERTH_VERSION === "string" ? BERTH_VERSION : "dev";
}

export const pluginsCommand: CommandModule<GlobalArgs, GlobalArgs & { format: string }> = {
  command: "plugins",
  describe: "list the CNI plugins in this binary",
  builder: (y) => withFormat(y),
  handler: (argv) => {
    if (isJson(argv)) printJsonLines(pluginNames().map((name) => ({ Name: name, Summary: PLUGINS[name]?.summary ?? "" })));
    else for (const name of pluginNames()) process.stdout.write(`${name.padEnd(12)} ${PLUGINS[name]?.summary ?? ""}\n`);
  },
};

export const cniCommand: CommandModule<GlobalArgs, GlobalArgs & { plugin?: string }> = {
  command: "cni [plugin]",
  describe: "run PLUGIN as a CNI runtime would: CNI_* environment, config on stdin",
  builder: (y) => y.positional("plugin", { type: "string" }) as never,
  handler: async (argv) => {
    const name = argv.plugin;
    if (name === undefined || !Object.hasOwn(PLUGINS, name)) {
      throw new UsageError(`${name === undefined ? "missing plugin name" : `unknown plugin ${JSON.stringify(name)}`}: choose one of ${pluginNames().join(", ")}`);
    }
    const { runCniPlugin } = await import("../../plugins/run.ts");
    outcome.exitCode = await runCniPlugin(name);
  },
};

export const firewallCommand: CommandModule<GlobalArgs, GlobalArgs & { action?: string; "state-dir"?: string }> = {
  command: "firewall [action]",
  describe: "reapply: re-apply berth's recorded firewall rules, nftables and iptables (after a flush or a firewall reload)",
  builder: (y) => y.positional("action", { type: "string" }).option("state-dir", { type: "string", describe: "the plugins' stateDir" }) as never,
  handler: async (argv) => {
    if (argv.action !== "reapply") throw new UsageError(`unknown subcommand ${JSON.stringify(argv.action ?? "")}: the one there is is 'reapply'`);
    const { DEFAULT_STATE_DIR } = await import("../../lib/store/index.ts");
    const stateDir = argv["state-dir"] ?? (process.env.BERTH_STATE_DIR || DEFAULT_STATE_DIR);
    if (stateDir === "") throw new UsageError("--state-dir needs a directory (the plugins' stateDir)");
    const { existsSync } = await import("node:fs");
    const { reapplyMasquerade } = await import("../../lib/firewall/index.ts");
    const networks = reapplyMasquerade(stateDir);
    if (existsSync(`${stateDir}/.firewall/iptables`)) {
      const { iptablesBackend } = await import("../../lib/firewall/iptables/index.ts");
      networks.push(...iptablesBackend.reapplyAll({ stateDir }).networks.map((n) => `${n} (iptables)`));
    }
    process.stdout.write(networks.length === 0 ? `no recorded rules in ${stateDir}\n` : `re-applied masquerade of ${networks.join(", ")}\n`);
  },
};

export const versionCommand: CommandModule<GlobalArgs, GlobalArgs & { format: string }> = {
  command: "version",
  describe: "print berth's version and the CNI versions it speaks",
  builder: (y) => withFormat(y),
  handler: async (argv) => {
    const { SUPPORTED_VERSIONS } = await import("../../lib/cni/index.ts");
    if (isJson(argv)) printJsonLines([{ Version: version(), CNIVersions: SUPPORTED_VERSIONS }]);
    else process.stdout.write(`berth ${version()}\nCNI spec versions: ${SUPPORTED_VERSIONS.join(", ")}\n`);
  },
};

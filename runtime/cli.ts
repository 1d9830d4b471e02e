/**
 * The `berth` command line, parsed with yargs (docker's grammar: `berth images`, `berth rmi -f X`,
 * `berth image inspect X`). main.ts reaches this module only through a dynamic import, so a
 * plugin invocation never loads yargs or any command.
 *
 * Exit codes as docker's: 0, 1 when a command fails, 125 for a usage mistake. Errors are one
 * line on stderr: `berth rmi: no such image "foo:latest": see 'berth images'`.
 */
import yargs, { type CommandModule } from "yargs";
import { outcome, UsageError, type GlobalArgs } from "./commands/context.ts";
import { ReportedFailure, reportFailure } from "./commands/errors.ts";
import { historyCommand } from "./commands/history.ts";
import { imageCommand } from "./commands/image.ts";
import { imagesCommand } from "./commands/images.ts";
import { importCommand } from "./commands/import.ts";
import { loadCommand } from "./commands/load.ts";
import { cniCommand, firewallCommand, pluginsCommand, versionCommand } from "./commands/plugins.ts";
import { inspectCommand as containerInspectCommand, killCommand, logsCommand, portCommand, psCommand, restartCommand, rmCommand, startCommand, stopCommand, waitCommand } from "./commands/containers.ts";
import { commitCommand, diffCommand, exportCommand } from "./commands/commit.ts";
import { execCommand, statsCommand } from "./commands/exec.ts";
import { networkCommand } from "./commands/network.ts";
import { loginCommand, logoutCommand, pullCommand, pushCommand } from "./commands/registry.ts";
import { prepareRunArgv, runCommand, shimCommand } from "./commands/run.ts";
import { rmiCommand } from "./commands/rmi.ts";
import { saveCommand } from "./commands/save.ts";
import { tagCommand } from "./commands/tag.ts";

const EPILOGUE = "Each plugin is also reachable by its own name: a symlink named after it (see 'make install').";

/** The command as errors name it: "rmi", "image inspect". */
function commandName(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--root") i += 1;
    else if (!a.startsWith("-")) words.push(a);
  }
  const first = words[0] ?? "";
  return first === "image" && words[1] !== undefined ? `image ${words[1]}` : first;
}

/** Every command, in the order `berth help` lists them. */
const MODULES: CommandModule<GlobalArgs, never>[] = [
  runCommand, execCommand, psCommand, statsCommand, startCommand, stopCommand, restartCommand, killCommand, rmCommand, logsCommand, containerInspectCommand, portCommand, waitCommand,
  commitCommand, diffCommand, exportCommand, networkCommand, shimCommand,
  imagesCommand, rmiCommand, tagCommand, historyCommand, loadCommand, saveCommand, importCommand, imageCommand,
  pullCommand, pushCommand, loginCommand, logoutCommand,
  pluginsCommand, cniCommand, firewallCommand, versionCommand,
] as never;

/** The first word of each command ("pull <image>" → "pull"), plus help. */
const COMMANDS = [...MODULES.map((m) => String(m.command).split(" ")[0] as string), "help"];

function parser(argv: string[]) {
  let y = yargs(argv)
    .scriptName("berth")
    .parserConfiguration({ "boolean-negation": false, "greedy-arrays": false })
    .usage("Usage: berth [--root DIR] COMMAND")
    .option("root", { type: "string", global: true, describe: "image store directory (default $BERTH_ROOT or /var/lib/berth)" });
  for (const m of MODULES) y = y.command(m);
  return y
    .command("help", "this text", {}, () => {
      parser([]).showHelp("log");
    })
    .demandCommand(1, "a command is missing")
    .recommendCommands()
    .strict()
    .help()
    .version(false)
    .epilogue(EPILOGUE)
    .wrap(100)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
}


export async function runCli(argv: string[]): Promise<number> {
  outcome.exitCode = 0;
  const name = commandName(argv);
  if (name === "" && !argv.includes("--help") && !argv.includes("-h")) {
    process.stdout.write(`${await parser([]).getHelp()}\n`);
    return 125;
  }
  if (name !== "" && !COMMANDS.includes(name.split(" ")[0] as string)) {
    process.stderr.write(`berth: unknown command ${JSON.stringify(name)}: run 'berth help' for the list\n`);
    return 125;
  }
  try {
    await parser(name === "run" || name === "exec" ? prepareRunArgv(argv, name) : argv).parseAsync();
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof ReportedFailure) return err.exitCode;
    const usage = err instanceof UsageError || (err as Error | undefined)?.name === "YError";
    const code = reportFailure(name || "help", usage && !(err instanceof UsageError) ? new UsageError((err as Error).message) : err);
    if (usage) process.stderr.write(`See 'berth ${name ? `${name} ` : ""}--help'.\n`);
    return code;
  }
}

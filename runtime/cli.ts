/**
 * The `berth` command line (docker's grammar: `berth images`, `berth rmi -f X`,
 * `berth image inspect X`): commands declared as yargs-style modules, parsed by runtime/cli/ over
 * node's util.parseArgs. main.ts reaches this module only through a dynamic import, so a plugin
 * invocation never loads any command.
 *
 * Exit codes as docker's: 0, 1 when a command fails, 125 for a usage mistake. Errors are one
 * line on stderr: `berth rmi: no such image "foo:latest": see 'berth images'`.
 */
import { commandHelp, overview } from "./cli/help.ts";
import { parseCommand } from "./cli/parse.ts";
import { specOf, type CommandSpec } from "./cli/spec.ts";
import type { CommandModule } from "./cli/types.ts";
import { UsageError } from "./cli/usage-error.ts";
import { outcome } from "./commands/context.ts";
import { ReportedFailure, reportFailure } from "./commands/errors.ts";
import { mark } from "./trace.ts";

type Module = CommandModule<never, never>;

/**
 * Every command, in the order `berth help` lists them, each loaded only when named: `berth run`
 * neither loads nor builds the other thirty.
 */
const LOADERS: [string, () => Promise<unknown>][] = [
  ["run", async () => (await import("./commands/run.ts")).runCommand],
  ["exec", async () => (await import("./commands/exec.ts")).execCommand],
  ["attach", async () => (await import("./commands/attach.ts")).attachCommand],
  ["ps", async () => (await import("./commands/containers.ts")).psCommand],
  ["stats", async () => (await import("./commands/exec.ts")).statsCommand],
  ["start", async () => (await import("./commands/containers.ts")).startCommand],
  ["stop", async () => (await import("./commands/containers.ts")).stopCommand],
  ["restart", async () => (await import("./commands/containers.ts")).restartCommand],
  ["kill", async () => (await import("./commands/containers.ts")).killCommand],
  ["rm", async () => (await import("./commands/containers.ts")).rmCommand],
  ["logs", async () => (await import("./commands/containers.ts")).logsCommand],
  ["inspect", async () => (await import("./commands/containers.ts")).inspectCommand],
  ["port", async () => (await import("./commands/containers.ts")).portCommand],
  ["wait", async () => (await import("./commands/containers.ts")).waitCommand],
  ["commit", async () => (await import("./commands/commit.ts")).commitCommand],
  ["diff", async () => (await import("./commands/commit.ts")).diffCommand],
  ["export", async () => (await import("./commands/commit.ts")).exportCommand],
  ["network", async () => (await import("./commands/network.ts")).networkCommand],
  ["shim", async () => (await import("./commands/run.ts")).shimCommand],
  ["images", async () => (await import("./commands/images.ts")).imagesCommand],
  ["rmi", async () => (await import("./commands/rmi.ts")).rmiCommand],
  ["tag", async () => (await import("./commands/tag.ts")).tagCommand],
  ["history", async () => (await import("./commands/history.ts")).historyCommand],
  ["load", async () => (await import("./commands/load.ts")).loadCommand],
  ["save", async () => (await import("./commands/save.ts")).saveCommand],
  ["import", async () => (await import("./commands/import.ts")).importCommand],
  ["image", async () => (await import("./commands/image.ts")).imageCommand],
  ["pull", async () => (await import("./commands/registry.ts")).pullCommand],
  ["push", async () => (await import("./commands/registry.ts")).pushCommand],
  ["login", async () => (await import("./commands/registry.ts")).loginCommand],
  ["logout", async () => (await import("./commands/registry.ts")).logoutCommand],
  ["plugins", async () => (await import("./commands/plugins.ts")).pluginsCommand],
  ["cni", async () => (await import("./commands/plugins.ts")).cniCommand],
  ["firewall", async () => (await import("./commands/plugins.ts")).firewallCommand],
  ["version", async () => (await import("./commands/plugins.ts")).versionCommand],
];

/** The first word of each command, plus help. */
const COMMANDS = [...LOADERS.map(([name]) => name), "help"];

/** The modules of the named command, or of every command (help, a mistyped name). */
async function load(name?: string): Promise<Module[]> {
  const wanted = LOADERS.filter(([n]) => name === undefined || n === name);
  return (await Promise.all(wanted.map(([, loader]) => loader()))) as Module[];
}

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

const USAGE = "Usage: berth [--root DIR] COMMAND";

/** `--root DIR` / `--root=DIR` before the command, moved behind it (every command takes it). */
function globalsLast(argv: readonly string[]): string[] {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--root") globals.push(a, argv[++i] ?? "");
    else if (a.startsWith("--root=")) globals.push(a);
    else break;
  }
  const rest = argv.slice(i);
  return rest.length === 0 ? globals : [rest[0] as string, ...globals, ...rest.slice(1)];
}

/** Walk down subcommands (`network create`), then parse and run the command's handler. */
async function dispatch(module: Module, words: string[], path: string[]): Promise<void> {
  const spec = specOf(module);
  const subs = spec.subcommands.map(specOf);
  if (subs.length > 0) {
    // The first word that is neither a flag nor --root's value.
    const at = words.findIndex((w, i) => !w.startsWith("-") && words[i - 1] !== "--root");
    const next = words[at];
    if (next === undefined) {
      if (words.includes("--help")) return void process.stdout.write(commandHelp(path, spec, subs));
      throw new UsageError(spec.demandCommand ?? "a command is missing");
    }
    const sub = subs.find((s) => s.name === next || s.aliases.includes(next));
    if (sub === undefined) throw new UsageError(`unknown command ${JSON.stringify(`${path.join(" ")} ${next}`)}: see 'berth ${path.join(" ")} --help'`);
    return dispatch(sub.module, [...words.slice(0, at), ...words.slice(at + 1)], [...path, sub.name]);
  }
  const args = parseCommand(spec, words);
  if (args === "help") return void process.stdout.write(commandHelp(path, spec, []));
  await (module.handler as (a: Record<string, unknown>) => void | Promise<void>)(args);
}

async function allSpecs(): Promise<CommandSpec[]> {
  return (await load()).map(specOf);
}

export async function runCli(argv: string[]): Promise<number> {
  mark("cli loaded");
  outcome.exitCode = 0;
  const name = commandName(argv);
  const first = name.split(" ")[0] as string;
  if (first === "" || first === "help") {
    process.stdout.write(overview(USAGE, await allSpecs(), EPILOGUE));
    return first === "help" || argv.includes("--help") || argv.includes("-h") ? 0 : 125;
  }
  if (!COMMANDS.includes(first)) {
    process.stderr.write(`berth: unknown command ${JSON.stringify(name)}: run 'berth help' for the list\n`);
    return 125;
  }
  try {
    const [module] = await load(first);
    let words = globalsLast(argv);
    if (first === "run" || first === "exec") words = (await import("./commands/run.ts")).prepareRunArgv(words, first);
    await dispatch(module as Module, words.slice(1), [first]);
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof ReportedFailure) return err.exitCode;
    const usage = err instanceof UsageError;
    const code = reportFailure(name, err);
    if (usage) process.stderr.write(`See 'berth ${name} --help'.\n`);
    return code;
  }
}

/**
 * A command module turned into plain data: its positionals (from the command string and
 * .positional), options, checks and subcommands, collected by running its builder once.
 */
import type { Argv, CommandModule, OptionSpec, PositionalSpec } from "./types.ts";

export interface Positional {
  name: string;
  required: boolean;
  variadic: boolean;
  spec: PositionalSpec;
}

export interface CommandSpec {
  name: string;
  /** The command string as declared ("rm <containers..>"). */
  usage: string;
  describe: string | false;
  aliases: readonly string[];
  positionals: Positional[];
  options: Map<string, OptionSpec>;
  checks: ((args: Record<string, unknown>) => boolean | undefined)[];
  subcommands: CommandModule<never, never>[];
  demandCommand?: string;
  module: CommandModule<never, never>;
}

/** "<image>", "[command..]" → a positional. */
function positionalOf(word: string): Positional {
  const required = word.startsWith("<");
  const inner = word.slice(1, -1);
  const variadic = inner.endsWith("..");
  return { name: variadic ? inner.slice(0, -2) : inner, required, variadic, spec: {} };
}

export function specOf(module: CommandModule<never, never>): CommandSpec {
  const [name = "", ...words] = module.command.trim().split(/\s+/);
  const spec: CommandSpec = {
    name,
    usage: module.command,
    describe: module.describe ?? "",
    aliases: module.aliases ?? [],
    positionals: words.map(positionalOf),
    options: new Map(),
    checks: [],
    subcommands: [],
    module,
  };
  const builder: Argv<never> = {
    option(option, o) {
      spec.options.set(option, o);
      return builder;
    },
    positional(positional, o) {
      const p = spec.positionals.find((x) => x.name === positional);
      if (p === undefined) throw new Error(`berth command "${name}": positional ${positional} is not in "${module.command}"`);
      p.spec = o;
      return builder;
    },
    check(fn) {
      spec.checks.push(fn);
      return builder;
    },
    command(sub) {
      spec.subcommands.push(sub);
      return builder;
    },
    demandCommand(_min, message) {
      spec.demandCommand = message || "a command is missing";
      return builder;
    },
  };
  module.builder?.(builder);
  return spec;
}

/** Every name of an option ("network", "net"), the long and the one-letter ones. */
export function namesOf(option: string, o: OptionSpec): { long: string[]; short: string[] } {
  const aliases = typeof o.alias === "string" ? [o.alias] : [...(o.alias ?? [])];
  return { long: [option, ...aliases.filter((a) => a.length > 1)], short: aliases.filter((a) => a.length === 1) };
}

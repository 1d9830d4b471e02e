/**
 * How a berth command is declared: yargs' CommandModule shape (command string with its
 * positionals, describe, builder, handler), served by berth's own small parser over node's
 * util.parseArgs (runtime/cli/parse.ts). yargs itself cost ~15 ms of every command's start-up.
 */

export interface OptionSpec {
  type: "string" | "boolean" | "number";
  /** Other names: one letter is a short flag (-d), longer ones are long flags (--net). */
  alias?: string | readonly string[];
  default?: unknown;
  describe?: string;
  /** May be given more than once; the value is the list (default []). */
  array?: boolean;
  demandOption?: boolean | string;
  choices?: readonly string[];
}

export interface PositionalSpec {
  type?: "string" | "number";
  array?: boolean;
  default?: unknown;
  demandOption?: boolean | string;
  describe?: string;
}

/** What a builder may declare. Every method returns the same builder. */
export interface Argv<T = unknown> {
  option(name: string, spec: OptionSpec): Argv<T>;
  positional(name: string, spec: PositionalSpec): Argv<T>;
  /** A check of the parsed arguments; it throws (or returns false) to refuse them. */
  check(fn: (args: Record<string, unknown>) => boolean | undefined): Argv<T>;
  /** A subcommand (`berth network create`). */
  command(module: CommandModule<never, never>): Argv<T>;
  /** The message when no subcommand is given. */
  demandCommand(min?: number, message?: string): Argv<T>;
}

export interface CommandModule<T = unknown, U = unknown> {
  /** "run <image> [command..]": the name, then <required>, [optional], `..` for the rest. */
  command: string;
  /** The help line; false hides the command from help. */
  describe?: string | false;
  aliases?: readonly string[];
  builder?: (y: Argv<T>) => unknown;
  handler: (args: U) => void | Promise<void>;
}

/**
 * The command line of one command, parsed with node's util.parseArgs from its CommandSpec:
 * options (long, one-letter and long aliases, repeated ones as lists, numbers, choices,
 * defaults), then the positionals of its command string, then its checks. A mistake is a
 * UsageError naming the word and what would be right.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { namesOf, type CommandSpec, type Positional } from "./spec.ts";
import type { OptionSpec } from "./types.ts";
import { UsageError } from "./usage-error.ts";

/** Options every command takes (berth's --root). */
export const GLOBAL_OPTIONS = new Map<string, OptionSpec>([["root", { type: "string", describe: "berth's state directory (default $BERTH_ROOT or /var/lib/berth)" }]]);

type ParseOptions = NonNullable<ParseArgsConfig["options"]>;

function parseConfig(options: Map<string, OptionSpec>): { config: ParseOptions; canonical: Map<string, string> } {
  const config: ParseOptions = { help: { type: "boolean" } };
  const canonical = new Map<string, string>();
  for (const [name, o] of options) {
    const { long, short } = namesOf(name, o);
    long.forEach((flag, i) => {
      config[flag] = { type: o.type === "boolean" ? "boolean" : "string", ...(o.array ? { multiple: true } : {}), ...(i === 0 && short[0] !== undefined ? { short: short[0] } : {}) };
      canonical.set(flag, name);
    });
  }
  return { config, canonical };
}

/** util.parseArgs' own words ("Unknown option '--x'. To specify…") made one short line. */
function usageOf(err: unknown): UsageError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  // "Option '-h, --hostname <value>' argument missing": the long name; "Unknown option 'x'" (in -dx): -x.
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const word = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(/[ ,]/)[0] ?? "";
  const flag = word === "" || word.startsWith("-") ? word : `-${word}`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) return new UsageError(`unknown option ${flag}`);
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) return new UsageError(/argument missing/.test(message) ? `option ${flag} needs a value` : `option ${flag} takes no value`);
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return new UsageError(message);
  return new UsageError(message.split(". ")[0] ?? message);
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag} ${JSON.stringify(text)}: a number is needed`);
  return n;
}

function optionValue(name: string, o: OptionSpec, raw: unknown): unknown {
  const flag = `--${name}`;
  if (raw === undefined) {
    if (o.demandOption) throw new UsageError(typeof o.demandOption === "string" ? o.demandOption : `missing option ${flag}`);
    return o.default ?? (o.array ? [] : undefined);
  }
  const one = (v: unknown) => {
    if (o.type === "number") return number(flag, String(v));
    if (o.choices && !o.choices.includes(String(v))) throw new UsageError(`${flag} ${JSON.stringify(v)}: choose one of ${o.choices.join(", ")}`);
    return v;
  };
  return Array.isArray(raw) ? raw.map(one) : one(raw);
}

function positionalValues(spec: CommandSpec, words: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const convert = (p: Positional, w: string) => (p.spec.type === "number" ? number(`<${p.name}>`, w) : w);
  let i = 0;
  for (const p of spec.positionals) {
    const variadic = p.variadic || p.spec.array === true;
    const taken = variadic ? words.slice(i) : words.slice(i, i + 1);
    i += taken.length;
    if (taken.length === 0 && (p.required || p.spec.demandOption)) throw new UsageError(`missing argument <${p.name}${variadic ? ".." : ""}>`);
    out[p.name] = taken.length === 0 ? (p.spec.default ?? (variadic ? [] : undefined)) : variadic ? taken.map((w) => convert(p, w)) : convert(p, taken[0] as string);
  }
  if (i < words.length) throw new UsageError(`unexpected argument ${JSON.stringify(words[i])}`);
  return out;
}

/** The handler's arguments, or "help" when --help was asked for. */
/**
 * docker's `--rm=true`, `-d=false`: util.parseArgs takes no value on a boolean flag, so these
 * words are taken out first; and `-e=A=1` is split as pflag does. Returns the remaining words
 * and the explicit boolean values by option.
 */
function explicitBooleans(words: readonly string[], options: Map<string, OptionSpec>, canonical: Map<string, string>): { rest: string[]; values: Map<string, boolean> } {
  const shorts = new Map<string, string>();
  for (const [name, o] of options) for (const s of namesOf(name, o).short) shorts.set(s, name);
  const values = new Map<string, boolean>();
  const rest: string[] = [];
  for (const [i, w] of words.entries()) {
    if (w === "--") {
      rest.push(...words.slice(i));
      break;
    }
    const m = /^(?:--([\w-]+)|-(\w))=(true|false)$/.exec(w);
    const name = m ? (m[1] !== undefined ? canonical.get(m[1]) : shorts.get(m[2] as string)) : undefined;
    const short = /^-(\w)=(.*)$/s.exec(w);
    const shortName = short ? shorts.get(short[1] as string) : undefined;
    if (m && name !== undefined && options.get(name)?.type === "boolean") values.set(name, m[3] === "true");
    // pflag reads `-e=A=1` as `-e A=1`; util.parseArgs would keep the "=".
    else if (short && shortName !== undefined && options.get(shortName)?.type !== "boolean") rest.push(`-${short[1] as string}`, short[2] as string);
    else rest.push(w);
  }
  return { rest, values };
}

export function parseCommand(spec: CommandSpec, words: string[]): Record<string, unknown> | "help" {
  const options = new Map([...GLOBAL_OPTIONS, ...spec.options]);
  const { config, canonical } = parseConfig(options);
  const { rest, values: booleans } = explicitBooleans(words, options, canonical);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: config, strict: true, allowPositionals: true });
  } catch (err) {
    throw usageOf(err);
  }
  if (parsed.values.help === true) return "help";
  const raw = new Map<string, unknown>(booleans);
  for (const [flag, value] of Object.entries(parsed.values)) {
    const name = canonical.get(flag);
    if (name === undefined) continue;
    const before = raw.get(name);
    raw.set(name, Array.isArray(before) && Array.isArray(value) ? [...before, ...value] : value);
  }
  const args: Record<string, unknown> = {};
  for (const [name, o] of options) args[name] = optionValue(name, o, raw.get(name));
  Object.assign(args, positionalValues(spec, parsed.positionals));
  for (const check of spec.checks) {
    if (check(args) === false) throw new UsageError("these arguments do not go together");
  }
  return args;
}

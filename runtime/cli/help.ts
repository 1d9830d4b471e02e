/** Help texts rendered from command specs: the command list, and one command's usage and options. */
import { GLOBAL_OPTIONS } from "./parse.ts";
import { namesOf, type CommandSpec } from "./spec.ts";
import type { OptionSpec } from "./types.ts";

const WIDTH = 100;

/** Two columns, the second wrapped at WIDTH and aligned. */
function table(rows: [string, string][]): string {
  const left = Math.min(Math.max(0, ...rows.map(([a]) => a.length)) + 3, 44);
  return rows
    .map(([a, b]) => {
      const lines: string[] = [];
      let line = "";
      for (const word of b.split(" ")) {
        if (line !== "" && left + line.length + 1 + word.length > WIDTH) {
          lines.push(line);
          line = word;
        } else line = line === "" ? word : `${line} ${word}`;
      }
      lines.push(line);
      const head = a.length + 1 > left ? `${a}\n${" ".repeat(left)}` : a.padEnd(left);
      return `${head}${lines.join(`\n${" ".repeat(left)}`)}`.trimEnd();
    })
    .join("\n");
}

function optionRow(name: string, o: OptionSpec): [string, string] {
  const { long, short } = namesOf(name, o);
  const flags = [...short.map((s) => `-${s}`), ...long.map((l) => `--${l}`)].join(", ");
  const notes = [o.array ? `[${o.type}, repeatable]` : `[${o.type}]`];
  if (o.choices) notes.push(`[choices: ${o.choices.join(", ")}]`);
  if (o.default !== undefined && !(Array.isArray(o.default) && o.default.length === 0)) notes.push(`[default: ${JSON.stringify(o.default)}]`);
  if (o.demandOption) notes.push("[required]");
  return [`  ${short.length === 0 ? "    " : ""}${flags}`, [o.describe, ...notes].filter(Boolean).join(" ")];
}

/** `berth help`: every visible command with its line. */
export function overview(usage: string, specs: CommandSpec[], epilogue: string): string {
  const commands = specs.filter((s) => s.describe !== false).map((s): [string, string] => [`  berth ${s.usage}`, String(s.describe)]);
  const options = [...GLOBAL_OPTIONS].map(([n, o]) => optionRow(n, o));
  return `${usage}\n\nCommands:\n${table(commands)}\n\nOptions:\n${table([...options, ["      --help", "show help"]])}\n\n${epilogue}\n`;
}

/** `berth COMMAND --help`: its usage, line, subcommands or positionals, and options. */
export function commandHelp(path: string[], spec: CommandSpec, subcommands: CommandSpec[]): string {
  const prefix = ["berth", ...path.slice(0, -1)].join(" ");
  const parts = [`Usage: ${prefix} ${spec.usage}${spec.options.size > 0 ? " [options]" : ""}`];
  if (spec.describe) parts.push(String(spec.describe));
  if (subcommands.length > 0) {
    const rows = subcommands.filter((s) => s.describe !== false).map((s): [string, string] => [`  ${prefix} ${spec.name} ${s.usage}`, [String(s.describe), s.aliases.length > 0 ? `[aliases: ${s.aliases.join(", ")}]` : ""].filter(Boolean).join(" ")]);
    parts.push(`Commands:\n${table(rows)}`);
  }
  const described = spec.positionals.filter((p) => p.spec.describe);
  if (described.length > 0) parts.push(`Arguments:\n${table(described.map((p): [string, string] => [`  ${p.name}`, p.spec.describe ?? ""]))}`);
  const rows = [...spec.options].map(([n, o]) => optionRow(n, o));
  rows.push(...[...GLOBAL_OPTIONS].map(([n, o]) => optionRow(n, o)), ["      --help", "show help"]);
  parts.push(`Options:\n${table(rows)}`);
  return `${parts.join("\n\n")}\n`;
}

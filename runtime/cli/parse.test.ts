import { describe, expect, it } from "vitest";
import { commandHelp, overview } from "./help.ts";
import { parseCommand } from "./parse.ts";
import { specOf } from "./spec.ts";
import type { CommandModule } from "./types.ts";
import { UsageError } from "./usage-error.ts";

const noop = () => undefined;

const run: CommandModule<never, never> = {
  command: "run <image> [command..]",
  describe: "create and run a container",
  builder: (y) =>
    y
      .option("detach", { alias: "d", type: "boolean", default: false, describe: "in the background" })
      .option("env", { alias: "e", type: "string", array: true, default: [] })
      .option("network", { alias: ["net"], type: "string", default: "bridge" })
      .option("hostname", { alias: "h", type: "string" })
      .option("cpus", { type: "number" })
      .option("driver", { type: "string", choices: ["bridge", "ptp"] })
      .positional("image", { type: "string", demandOption: true }),
  handler: noop,
};

function parse(module: CommandModule<never, never>, words: string[]) {
  return parseCommand(specOf(module), words);
}

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("no UsageError");
}

describe("parseCommand", () => {
  it("reads flags, short groups, repeats, long aliases, numbers and positionals", () => {
    const args = parse(run, ["-d", "-e", "A=1", "--env=B=2", "--net", "none", "-h", "web", "--cpus", "1.5", "--root", "/r", "busybox", "--", "ls", "-l"]);
    expect(args).toMatchObject({ detach: true, env: ["A=1", "B=2"], network: "none", hostname: "web", cpus: 1.5, root: "/r", image: "busybox", command: ["ls", "-l"] });
  });

  it("takes docker's explicit booleans: --rm=true, -d=false", () => {
    expect(parse(run, ["--detach=true", "busybox"])).toMatchObject({ detach: true });
    expect(parse(run, ["-d=false", "busybox"])).toMatchObject({ detach: false });
    expect(parse(run, ["busybox", "--", "--detach=true"])).toMatchObject({ detach: false, command: ["--detach=true"] });
    expect(usage(() => parse(run, ["--detach=yes", "busybox"]))).toBe("option --detach takes no value");
  });

  it("reads -e=A=1 as -e A=1, as docker does", () => {
    expect(parse(run, ["-e=A=1", "-eB=2", "--env=C=3", "busybox"])).toMatchObject({ env: ["A=1", "B=2", "C=3"] });
  });

  it("fills defaults: false, [], the declared value, undefined", () => {
    expect(parse(run, ["busybox"])).toMatchObject({ detach: false, env: [], network: "bridge", hostname: undefined, command: [] });
  });

  it("names the word that is wrong and what is right", () => {
    expect(usage(() => parse(run, ["--nope", "busybox"]))).toBe("unknown option --nope");
    expect(usage(() => parse(run, ["--hostname"]))).toBe("option --hostname needs a value");
    expect(usage(() => parse(run, ["--detach=yes", "busybox"]))).toBe("option --detach takes no value");
    expect(usage(() => parse(run, ["--cpus", "lots", "busybox"]))).toBe('--cpus "lots": a number is needed');
    expect(usage(() => parse(run, ["--driver", "vlan", "busybox"]))).toBe('--driver "vlan": choose one of bridge, ptp');
    expect(usage(() => parse(run, []))).toBe("missing argument <image>");
    const ps: CommandModule<never, never> = { command: "ps", handler: noop };
    expect(usage(() => parse(ps, ["extra"]))).toBe('unexpected argument "extra"');
  });

  it("runs the command's checks", () => {
    const images: CommandModule<never, never> = {
      command: "images",
      builder: (y) =>
        y.option("format", { type: "string", default: "table" }).check((a) => {
          if (a.format !== "table" && a.format !== "json") throw new UsageError(`--format ${JSON.stringify(a.format)}: use "table" or "json"`);
          return true;
        }),
      handler: noop,
    };
    expect(parse(images, ["--format", "json"])).toMatchObject({ format: "json" });
    expect(usage(() => parse(images, ["--format", "yaml"]))).toBe('--format "yaml": use "table" or "json"');
  });

  it("answers --help instead of parsing", () => {
    expect(parse(run, ["--help"])).toBe("help");
  });
});

describe("help", () => {
  it("lists every visible command and a command's options with their names and defaults", () => {
    const hidden: CommandModule<never, never> = { command: "shim <id>", describe: false, handler: noop };
    const text = overview("Usage: berth COMMAND", [specOf(run), specOf(hidden)], "bye");
    expect(text).toMatch(/^Usage: berth COMMAND\n\nCommands:\n {2}berth run <image> \[command\.\.\] +create and run a container\n/);
    expect(text).not.toContain("shim");
    const help = commandHelp(["run"], specOf(run), []);
    expect(help).toMatch(/^Usage: berth run <image> \[command\.\.\] \[options\]\n/);
    expect(help).toMatch(/\n {2}-d, --detach +in the background \[boolean\] \[default: false\]\n/);
    expect(help).toMatch(/\n {6}--network, --net +\[string\] \[default: "bridge"\]\n/);
    expect(help).toMatch(/\n {2}-e, --env +\[string, repeatable\]\n/);
  });
});

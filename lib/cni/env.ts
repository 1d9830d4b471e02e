/**
 * The CNI_* environment, read from a plain record (process.env or a test's object).
 *
 * An empty string counts as unset: libcni always sets all six variables, empty when unused.
 * Required variables follow the spec's table rather than the Go skel's stricter one: CNI_PATH
 * is needed only when a plugin delegates (delegate.ts asks for it then), and DEL works without
 * CNI_NETNS. Every failure is code 4 and names the variable.
 */
import { parseCniArgs } from "./args.ts";
import { CniErrorCode, cniError } from "./errors.ts";
import type { Command } from "./types.ts";

export interface CniEnv {
  command: Command;
  containerId?: string;
  netns?: string;
  ifname?: string;
  /** CNI_ARGS as key → value, case kept. */
  args: Map<string, string>;
  /** CNI_ARGS as sent. */
  argsText?: string;
  /** CNI_PATH directories in order, empty entries dropped. */
  path: string[];
}

export const COMMANDS: readonly Command[] = ["ADD", "DEL", "CHECK", "VERSION", "GC", "STATUS"];

const REQUIRED: Record<Command, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  VERSION: [],
  GC: [],
  STATUS: [],
};

/** Container IDs (and network names, see config.ts) as libcni checks them. */
export const CONTAINER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The Linux limit: IFNAMSIZ (16) minus the terminating NUL. */
export const MAX_IFNAME_BYTES = 15;

function value(env: Record<string, string | undefined>, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v === "" ? undefined : v;
}

/** Why an interface name is unusable ("must not contain ..."), or undefined when it is fine. */
export function ifnameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  const bytes = new TextEncoder().encode(name).length;
  if (bytes > MAX_IFNAME_BYTES) return `is ${bytes} bytes long, the limit is ${MAX_IFNAME_BYTES}`;
  if (name === "." || name === "..") return 'must not be "." or ".."';
  if (name.includes("/")) return 'must not contain "/"';
  if (name.includes(":")) return 'must not contain ":"';
  if (/\s/.test(name)) return "must not contain whitespace";
  return undefined;
}

/** CNI_COMMAND alone: enough for VERSION, which nothing else may fail. */
export function parseCommand(env: Record<string, string | undefined>): Command {
  const cmd = value(env, "CNI_COMMAND");
  if (cmd === undefined) throw cniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_COMMAND] missing");
  if (!(COMMANDS as readonly string[]).includes(cmd)) {
    throw cniError(CniErrorCode.INVALID_ENV, `unknown CNI_COMMAND: ${cmd}`, `CNI_COMMAND must be one of ${COMMANDS.join(", ")}`);
  }
  return cmd as Command;
}

/**
 * The whole environment for a verb: command, the variables the verb requires (all missing ones
 * named in one error), and the container ID and interface name rules for ADD, DEL and CHECK.
 * GC and STATUS carry no attachment, so whatever they receive in those variables is not checked.
 */
export function parseEnv(env: Record<string, string | undefined>): CniEnv {
  const command = parseCommand(env);
  const missing = REQUIRED[command].filter((k) => value(env, k) === undefined);
  if (missing.length > 0) {
    throw cniError(CniErrorCode.INVALID_ENV, `required env variables [${missing.join(",")}] missing`);
  }
  const containerId = value(env, "CNI_CONTAINERID");
  const netns = value(env, "CNI_NETNS");
  const ifname = value(env, "CNI_IFNAME");
  const argsText = value(env, "CNI_ARGS");
  const path = value(env, "CNI_PATH");

  if (command === "ADD" || command === "DEL" || command === "CHECK") {
    if (containerId !== undefined && !CONTAINER_ID_PATTERN.test(containerId)) {
      throw cniError(
        CniErrorCode.INVALID_ENV,
        "invalid characters in containerID",
        `CNI_CONTAINERID ${JSON.stringify(containerId)} must start with a letter or digit and hold only letters, digits, "_", "." and "-"`,
      );
    }
    const problem = ifname === undefined ? undefined : ifnameProblem(ifname);
    if (problem !== undefined) {
      throw cniError(CniErrorCode.INVALID_ENV, `Invalid CNI_IFNAME ${JSON.stringify(ifname)}: ${problem}`);
    }
  }

  const out: CniEnv = { command, args: parseCniArgs(argsText), path: path === undefined ? [] : path.split(":").filter((p) => p !== "") };
  if (containerId !== undefined) out.containerId = containerId;
  if (netns !== undefined) out.netns = netns;
  if (ifname !== undefined) out.ifname = ifname;
  if (argsText !== undefined) out.argsText = argsText;
  return out;
}

/**
 * The CNI_* environment. Empty strings count as unset (libcni always sets all six).
 * Required variables follow the spec's table, not Go skel's stricter one: CNI_PATH is needed
 * only when a plugin delegates, and DEL works without CNI_NETNS.
 */
import { parseCniArgs } from "./args.ts";
import { CniErrorCode, cniError } from "./errors.ts";
import type { Command } from "./types.ts";

export interface CniEnv {
  command: Command;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args: Map<string, string>;
  /** Raw CNI_ARGS text (passed through to delegates). */
  argsText?: string;
  path: string[];
}

const COMMANDS: readonly Command[] = ["ADD", "DEL", "CHECK", "VERSION", "GC", "STATUS"];

const REQUIRED: Record<Command, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  VERSION: [],
  GC: [],
  STATUS: [],
};

export const CONTAINER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function value(env: Record<string, string | undefined>, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v === "" ? undefined : v;
}

/** Why an interface name is unusable, or undefined when it is fine. */
export function ifnameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (Buffer.byteLength(name, "utf8") > 15) return `is ${Buffer.byteLength(name, "utf8")} bytes long, the limit is 15`;
  if (name === "." || name === "..") return 'must not be "." or ".."';
  if (name.includes("/")) return 'must not contain "/"';
  if (name.includes(":")) return 'must not contain ":"';
  if (/\s/.test(name)) return "must not contain whitespace";
  return undefined;
}

/** Only the command (VERSION needs nothing else, and nothing else may fail it). */
export function parseCommand(env: Record<string, string | undefined>): Command {
  const cmd = value(env, "CNI_COMMAND");
  if (cmd === undefined) throw cniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_COMMAND] missing");
  if (!(COMMANDS as readonly string[]).includes(cmd)) {
    throw cniError(CniErrorCode.INVALID_ENV, `unknown CNI_COMMAND: ${cmd}`, `CNI_COMMAND must be one of ${COMMANDS.join(", ")}`);
  }
  return cmd as Command;
}

export function parseEnv(env: Record<string, string | undefined>): CniEnv {
  const command = parseCommand(env);
  const missing = REQUIRED[command].filter((k) => value(env, k) === undefined);
  if (missing.length > 0) {
    throw cniError(CniErrorCode.INVALID_ENV, `required env variables [${missing.join(",")}] missing`);
  }
  const out: CniEnv = { command, args: parseCniArgs(value(env, "CNI_ARGS")), path: [] };
  const containerId = value(env, "CNI_CONTAINERID");
  const netns = value(env, "CNI_NETNS");
  const ifname = value(env, "CNI_IFNAME");
  const argsText = value(env, "CNI_ARGS");
  const path = value(env, "CNI_PATH");
  if (containerId !== undefined) out.containerId = containerId;
  if (netns !== undefined) out.netns = netns;
  if (ifname !== undefined) out.ifname = ifname;
  if (argsText !== undefined) out.argsText = argsText;
  if (path !== undefined) out.path = path.split(":").filter((p) => p !== "");

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
      throw cniError(CniErrorCode.INVALID_ENV, `invalid CNI_IFNAME ${JSON.stringify(ifname)}`, `an interface name ${problem}`);
    }
  }
  return out;
}

/**
 * Delegation to another plugin (IPAM) the way the spec prescribes: find `type` in CNI_PATH,
 * exec it with the caller's environment (CNI_COMMAND overridden) and the caller's stdin bytes,
 * pass its stderr through, and hand back its result or its error with the code unchanged.
 *
 * Fast path: when the binary found in CNI_PATH is this very executable (a berth symlink) and
 * berth has the plugin registered, it runs in-process through the same skel, with no exec.
 *
 * node:child_process is imported only when a delegate is really exec'd: loading it costs about
 * 10 ms in a compiled binary, three times a whole VERSION call.
 */
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { CniError, CniErrorCode, cniError } from "./errors.ts";
import { normalizeResult } from "./result.ts";
import type { Command, Result } from "./types.ts";

export const DEFAULT_DELEGATE_TIMEOUT_MS = 60_000;

export interface DelegateRequest {
  command: Command;
  /** The environment to pass on (normally the plugin's own process environment). */
  env: Record<string, string | undefined>;
  /** The exact stdin bytes the calling plugin received. */
  stdin: Uint8Array;
  /** CNI_PATH directories, in order. */
  path: string[];
  timeoutMs?: number;
}

/** Runs a plugin in-process: env and stdin in, stdout text and exit code out. */
export type InProcessRunner = (env: Record<string, string | undefined>, stdin: Uint8Array) => Promise<{ code: number; stdout: string }>;

const inProcess = new Map<string, InProcessRunner>();

/** Let berth's own plugin `type` run in-process when CNI_PATH points at this executable. */
export function registerInProcess(type: string, runner: InProcessRunner): void {
  inProcess.set(type, runner);
}

/** The first regular executable file named `type` in the CNI_PATH directories. */
export function findInPath(type: string, dirs: string[]): string {
  if (type === "" || type.includes("/") || type.includes("\\")) {
    throw cniError(CniErrorCode.INVALID_CONFIG, `invalid plugin name ${JSON.stringify(type)}`, "a plugin type is a file name without path separators");
  }
  if (dirs.length === 0) {
    throw cniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_PATH] missing", `needed to find the plugin "${type}"`);
  }
  for (const dir of dirs) {
    const candidate = `${dir}/${type}`;
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  throw cniError(CniErrorCode.INVALID_CONFIG, `failed to find plugin "${type}" in path [${dirs.join(" ")}]`);
}

function sameExecutable(path: string): boolean {
  try {
    return realpathSync(path) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/** Turn a delegate's exit status and stdout into its result, or throw its error unchanged. */
function interpret(type: string, command: Command, code: number | null, stdout: string, stderrHint: string): Result | undefined {
  const text = stdout.trim();
  if (code !== 0) {
    if (text !== "") {
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      if (parsed && typeof parsed.code === "number") {
        throw new CniError(parsed.code, String(parsed.msg ?? `${type} failed`), typeof parsed.details === "string" ? parsed.details : undefined);
      }
    }
    throw cniError(CniErrorCode.INTERNAL, `plugin "${type}" failed (${command.toLowerCase()})`, text || stderrHint || `exit status ${code}`);
  }
  if (command !== "ADD") return undefined;
  if (text === "") throw cniError(CniErrorCode.DECODE, `plugin "${type}" printed no result for ADD`);
  try {
    return normalizeResult(JSON.parse(text), `the result of plugin "${type}"`);
  } catch (cause) {
    if (cause instanceof CniError) throw cause;
    throw cniError(CniErrorCode.DECODE, `Cannot decode the result of plugin "${type}"`, (cause as Error).message, { cause });
  }
}

/** Run delegate `type` for `req.command`; ADD resolves to its result, other verbs to undefined. */
export async function delegate(type: string, req: DelegateRequest): Promise<Result | undefined> {
  const path = findInPath(type, req.path);
  const env: Record<string, string | undefined> = { ...req.env, CNI_COMMAND: req.command };
  const runner = inProcess.get(type);
  if (runner !== undefined && sameExecutable(path)) {
    const out = await runner(env, req.stdin);
    return interpret(type, req.command, out.code, out.stdout, "");
  }
  const timeout = req.timeoutMs ?? DEFAULT_DELEGATE_TIMEOUT_MS;
  const { spawnSync } = await import("node:child_process");
  const child = spawnSync(path, [], {
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    input: req.stdin,
    stdio: ["pipe", "pipe", "inherit"],
    timeout,
    killSignal: "SIGKILL",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.error) {
    const timedOut = (child.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
    throw cniError(
      timedOut ? CniErrorCode.TRY_AGAIN : CniErrorCode.INTERNAL,
      timedOut ? `plugin "${type}" did not finish ${req.command} within ${timeout} ms` : `Cannot run plugin "${type}"`,
      (child.error as Error).message,
      { cause: child.error },
    );
  }
  return interpret(type, req.command, child.status, child.stdout.toString("utf8"), child.signal ? `killed by ${child.signal}` : "");
}

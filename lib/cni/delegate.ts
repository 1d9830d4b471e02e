/**
 * Delegation to another plugin (IPAM) as the spec prescribes: find `type` in CNI_PATH, run it
 * with the caller's environment (only CNI_COMMAND changed) and the caller's exact stdin bytes,
 * let its stderr through to ours, and hand back its result, or its error with code, msg and
 * details unchanged (so a runtime sees the IPAM plugin's own code, e.g. 11 or 100+).
 *
 * In-process fast path: when `type` is registered with registerInProcess AND the file CNI_PATH
 * resolves it to is this very executable (a symlink to the berth binary), the delegate runs
 * in-process through the same skel instead of being exec'd. Both conditions are needed: an
 * administrator who installs another `host-local` earlier in CNI_PATH gets that one, exactly as
 * with the reference plugins.
 *
 * node:child_process is imported only when a delegate is really exec'd: loading it costs about
 * 10 ms in a compiled binary, more than a whole VERSION call.
 */
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { CniError, CniErrorCode, cniError } from "./errors.ts";
import { normalizeResult } from "./result.ts";
import type { Command, Result } from "./types.ts";

/** Runtimes kill a plugin after 60 s or more (CRI-O: 60 s); a delegate must finish well before. */
export const DEFAULT_DELEGATE_TIMEOUT_MS = 55_000;

export interface ExecRequest {
  command: Command;
  /** The environment to pass on (normally the calling plugin's whole environment). */
  env: Record<string, string | undefined>;
  /** The exact stdin bytes the calling plugin received. */
  stdin: Uint8Array;
  /** Kill the delegate and fail with code 11 after this long. */
  timeoutMs?: number;
}

export interface DelegateRequest extends ExecRequest {
  /** CNI_PATH directories, in order. */
  path: string[];
}

/** Runs a plugin in-process: env and stdin in, stdout text and exit code out. */
export type InProcessRunner = (env: Record<string, string | undefined>, stdin: Uint8Array) => Promise<{ code: number; stdout: string }>;

const inProcess = new Map<string, InProcessRunner>();

/** Let berth's own plugin `type` run in-process when CNI_PATH resolves it to this executable. */
export function registerInProcess(type: string, runner: InProcessRunner): void {
  inProcess.set(type, runner);
}

/**
 * The first regular, executable file named `type` in the CNI_PATH directories, in order.
 * Code 7 for a type with a path separator or one found nowhere; code 4 when CNI_PATH is empty.
 */
export function findInPath(type: string, dirs: readonly string[]): string {
  if (type === "" || type.includes("/") || type.includes("\\")) {
    throw cniError(CniErrorCode.INVALID_CONFIG, `Invalid plugin name ${JSON.stringify(type)}: must not be empty or contain a path separator`);
  }
  if (dirs.length === 0) {
    throw cniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_PATH] missing", `CNI_PATH is needed to find the plugin "${type}"`);
  }
  for (const dir of dirs) {
    const candidate = dir.endsWith("/") ? `${dir}${type}` : `${dir}/${type}`;
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Absent or not executable here: try the next directory.
    }
  }
  throw cniError(CniErrorCode.INVALID_CONFIG, `failed to find plugin ${JSON.stringify(type)} in path [${dirs.join(" ")}]`);
}

function sameExecutable(path: string): boolean {
  try {
    return realpathSync(path) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}

function pluginName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A delegate's exit status and stdout as its result (ADD), nothing (other verbs), or its error. */
function interpret(name: string, command: Command, status: number | null, stdout: string, why: string): Result | undefined {
  const text = stdout.trim();
  if (status !== 0) {
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const e = parsed as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
    if (e !== undefined && e !== null && typeof e === "object" && typeof e.code === "number") {
      const msg = typeof e.msg === "string" ? e.msg : `Plugin "${name}" failed (${command})`;
      throw new CniError(e.code, msg, typeof e.details === "string" && e.details !== "" ? e.details : undefined);
    }
    throw cniError(CniErrorCode.INTERNAL, `Plugin "${name}" failed (${command})`, text || why);
  }
  if (command !== "ADD") return undefined;
  if (text === "") throw cniError(CniErrorCode.DECODE, `Plugin "${name}" printed no result for ADD`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw cniError(CniErrorCode.DECODE, `Invalid result from plugin "${name}"`, (cause as Error).message, { cause });
  }
  return normalizeResult(parsed, `result from plugin "${name}"`);
}

/** Exec the plugin at `path` for `req.command`; ADD resolves to its result, other verbs to undefined. */
export async function execPlugin(path: string, req: ExecRequest): Promise<Result | undefined> {
  const name = pluginName(path);
  const timeout = req.timeoutMs ?? DEFAULT_DELEGATE_TIMEOUT_MS;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.env)) if (v !== undefined) env[k] = v;
  env.CNI_COMMAND = req.command;
  const { spawnSync } = await import("node:child_process");
  const child = spawnSync(path, [], {
    env,
    input: req.stdin,
    stdio: ["pipe", "pipe", "inherit"],
    timeout,
    killSignal: "SIGKILL",
    maxBuffer: 16 * 1024 * 1024,
  });
  // EPIPE only means the delegate exited without reading all of stdin (a DEL may not need it);
  // its exit status and stdout are still there and decide the outcome.
  const err = child.error as NodeJS.ErrnoException | undefined;
  if (err !== undefined && !(err.code === "EPIPE" && child.status !== null)) {
    if (err.code === "ETIMEDOUT") {
      throw cniError(CniErrorCode.TRY_AGAIN, `Plugin "${name}" did not finish ${req.command} within ${timeout} ms`, "it was killed; try again", {
        cause: err,
      });
    }
    throw cniError(CniErrorCode.INTERNAL, `Cannot run plugin "${name}" at ${path}`, err.message, { cause: err });
  }
  const why = child.signal ? `killed by ${child.signal}` : `exit status ${child.status}`;
  return interpret(name, req.command, child.status, child.stdout.toString("utf8"), why);
}

/** Run delegate `type` for `req.command` (in-process or exec'd, see above). */
export async function delegate(type: string, req: DelegateRequest): Promise<Result | undefined> {
  const path = findInPath(type, req.path);
  const runner = inProcess.get(type);
  if (runner !== undefined && sameExecutable(path)) {
    const out = await runner({ ...req.env, CNI_COMMAND: req.command }, req.stdin);
    return interpret(type, req.command, out.code, out.stdout, `exit status ${out.code}`);
  }
  return execPlugin(path, req);
}

type VerbRequest = Omit<DelegateRequest, "command">;

/** IPAM ADD: the delegate's result in 1.x form. */
export async function ipamAdd(type: string, req: VerbRequest): Promise<Result> {
  const result = await delegate(type, { ...req, command: "ADD" });
  if (result === undefined) throw cniError(CniErrorCode.INTERNAL, `Plugin "${type}" returned no result for ADD`);
  return result;
}

export async function ipamDel(type: string, req: VerbRequest): Promise<void> {
  await delegate(type, { ...req, command: "DEL" });
}

export async function ipamCheck(type: string, req: VerbRequest): Promise<void> {
  await delegate(type, { ...req, command: "CHECK" });
}

export async function ipamGc(type: string, req: VerbRequest): Promise<void> {
  await delegate(type, { ...req, command: "GC" });
}

export async function ipamStatus(type: string, req: VerbRequest): Promise<void> {
  await delegate(type, { ...req, command: "STATUS" });
}

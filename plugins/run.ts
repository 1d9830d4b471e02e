/**
 * Run one plugin as a CNI executable: CNI_* environment and stdin in, one JSON on stdout,
 * exit code 0 or 1. Logs go to stderr or the config's log file (see log.ts).
 */
import { writeSync } from "node:fs";
import { registerInProcess, runPlugin, type Logger } from "../lib/cni/index.ts";
import { createPluginLogger } from "./log.ts";
import { PLUGINS } from "./registry.ts";
import { readStdinOnce } from "./stdin.ts";

export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}

/** The `log` key of the request config, if any (for the log destination). */
function configLogFile(stdin: Uint8Array | undefined): string | undefined {
  if (stdin === undefined || stdin.length === 0) return undefined;
  try {
    const conf = JSON.parse(Buffer.from(stdin).toString("utf8")) as { log?: unknown };
    return typeof conf.log === "string" && conf.log !== "" ? conf.log : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Let every berth plugin be a delegate of another without an exec: when CNI_PATH leads to this
 * very binary, an IPAM delegate runs in-process through the same skel (same env, same stdin).
 */
function registerDelegates(logger: Logger): void {
  for (const [type, entry] of Object.entries(PLUGINS)) {
    registerInProcess(type, async (env, stdin) => {
      let out = "";
      const code = await runPlugin(await entry.load(), { env, stdin: () => stdin, stdout: (t) => (out += t), logger });
      return { code, stdout: out };
    });
  }
}

/** Run the plugin registered as `name`; resolves to the process exit code. */
export async function runCniPlugin(name: string): Promise<number> {
  const entry = PLUGINS[name];
  if (entry === undefined) throw new Error(`No plugin named ${JSON.stringify(name)}`);
  const [plugin, logger] = await Promise.all([entry.load(), createPluginLogger(name)]);
  registerDelegates(logger);
  const readStdin = readStdinOnce();
  let read: Uint8Array | undefined;
  const code = await runPlugin(plugin, {
    env: process.env,
    stdin: () => (read = readStdin()),
    stdout: (text) => writeAll(1, text),
    logger,
  });
  await logger.flush(configLogFile(read));
  return code;
}

let delegatesRegistered = false;

/**
 * Run a plugin of this binary inside the calling process (berth's own runtime driving its
 * plugins): the same skel, env and stdin as an exec'd plugin, the JSON answer returned instead
 * of printed. Saves a process start per plugin and verb.
 */
export async function runPluginInProcess(name: string, env: Record<string, string | undefined>, stdin: Uint8Array): Promise<{ code: number; stdout: string }> {
  const entry = PLUGINS[name];
  if (entry === undefined) throw new Error(`No plugin named ${JSON.stringify(name)}`);
  // The runtime reports a plugin's error itself: its log stays quiet unless asked for (BERTH_LOG_LEVEL).
  const logEnv = { ...process.env, BERTH_LOG_LEVEL: process.env.BERTH_LOG_LEVEL || "silent" };
  const [plugin, logger] = await Promise.all([entry.load(), createPluginLogger(name, logEnv)]);
  if (!delegatesRegistered) {
    registerDelegates(logger);
    delegatesRegistered = true;
  }
  let out = "";
  const code = await runPlugin(plugin, { env, stdin: () => stdin, stdout: (t) => (out += t), logger });
  await logger.flush(configLogFile(stdin));
  return { code, stdout: out };
}

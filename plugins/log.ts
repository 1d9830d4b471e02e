/**
 * Plugin logging: pino lines to stderr or a file, never stdout (stdout is the CNI protocol).
 *
 * pino costs ~15 ms to load, more than a whole VERSION call, so it is loaded only when a line
 * will actually be written. When the level asks for debug or info lines, it is loaded before
 * the plugin runs and lines go out as they happen; at the default level (warn) the rare
 * warnings are held and written when the plugin finishes.
 *
 * Level: BERTH_LOG_LEVEL (or CNI_LOG_LEVEL): trace, debug, info, warn (default), error, silent.
 * Destination: the `log` key of the network config, else BERTH_LOG_FILE, else stderr.
 */
import type { Logger as PinoLogger } from "pino";

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
type LevelName = Exclude<keyof typeof LEVELS, "silent">;

type LogFn = (objOrMsg: object | string, msg?: string) => void;

export interface PluginLogger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** Write held lines (to `file` when given) and wait for them to reach the destination. */
  flush(file?: string): Promise<void>;
}

interface Held {
  level: LevelName;
  time: number;
  obj: object;
  msg: string | undefined;
}

function levelFrom(env: Record<string, string | undefined>): number {
  const name = (env.BERTH_LOG_LEVEL || env.CNI_LOG_LEVEL || "warn").toLowerCase();
  return name in LEVELS ? LEVELS[name as keyof typeof LEVELS] : LEVELS.warn;
}

async function makePino(name: string, level: number, file: string | undefined): Promise<PinoLogger> {
  const { default: pino } = await import("pino");
  const levelName = (Object.keys(LEVELS) as (keyof typeof LEVELS)[]).find((k) => LEVELS[k] === level) ?? "warn";
  const dest = file ? pino.destination({ dest: file, sync: true, mkdir: true }) : pino.destination({ fd: 2, sync: true });
  return pino({ name, level: levelName, base: { pid: process.pid, plugin: name } }, dest);
}

/** A logger for plugin `name`; `await ready()` before running when lines should stream live. */
export async function createPluginLogger(
  name: string,
  env: Record<string, string | undefined> = process.env,
): Promise<PluginLogger> {
  const threshold = levelFrom(env);
  const held: Held[] = [];
  let live: PinoLogger | undefined;
  // Streaming matters when someone asked for detail; then pino's load time is worth paying.
  if (threshold <= LEVELS.info) live = await makePino(name, threshold, env.BERTH_LOG_FILE || undefined);

  const emit = (level: LevelName): LogFn => (objOrMsg, msg) => {
    if (LEVELS[level] < threshold) return;
    const obj = typeof objOrMsg === "string" ? {} : objOrMsg;
    const text = typeof objOrMsg === "string" ? objOrMsg : msg;
    if (live) live[level](obj, text);
    else held.push({ level, time: Date.now(), obj, msg: text });
  };

  return {
    trace: emit("trace"),
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    async flush(file) {
      if (held.length === 0) return;
      const out = live ?? (await makePino(name, threshold, file || env.BERTH_LOG_FILE || undefined));
      for (const h of held.splice(0)) out[h.level]({ ...h.obj, heldAt: new Date(h.time).toISOString() }, h.msg);
      out.flush?.();
    },
  };
}

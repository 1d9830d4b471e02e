/**
 * The plugin skeleton: environment and stdin in, exactly one JSON object (or nothing) out.
 *
 * A plugin supplies a config parser and one handler per verb. The skeleton checks its input in
 * the order a runtime expects the errors (command → environment → stdin → version → plugin
 * config), converts ADD results to the requested version, and turns every failure into one
 * error JSON. It never throws, and it writes nothing but through the injected io; the only
 * log lines are through the injected logger (a debug line per call and the error on failure).
 */
import { parseNetConf, peekVersion, validAttachments } from "./config.ts";
import { delegate } from "./delegate.ts";
import { parseCommand, parseEnv, type CniEnv } from "./env.ts";
import { CniErrorCode, cniError, toErrorJson } from "./errors.ts";
import { formatResult, normalizeResult, parsePrevResult } from "./result.ts";
import type { Command, GcAttachment, NetConf, NetConfRaw, Result } from "./types.ts";
import { CURRENT_VERSION, assertSupported, assertVerbAllowed, versionReply } from "./version.ts";

type LogFn = (objOrMsg: object | string, msg?: string) => void;

/** What the skel and plugins log through; the caller decides where lines go (pino, or nothing). */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const silent: LogFn = () => {};
export const NO_LOGGER: Logger = { debug: silent, info: silent, warn: silent, error: silent };

export interface PluginContext<C> {
  /** The plugin's typed config (what parseConfig returned). */
  conf: C;
  /** The whole request config, unknown keys included. */
  raw: NetConf;
  /** The exact stdin bytes (passed unchanged to delegates). */
  stdin: Uint8Array;
  env: CniEnv;
  /** The request's cniVersion; ADD results are converted to it. */
  cniVersion: string;
  /**
   * prevResult in 1.x form, when the runtime sent one. On DEL an undecodable prevResult is left
   * out (DEL must not depend on it) instead of failing.
   */
  prevResult?: Result;
  log: Logger;
  /** Run the config's IPAM plugin (`ipam.type`) for `command`: same environment and stdin. */
  ipam(command: Command): Promise<Result | undefined>;
}

export type AddContext<C> = PluginContext<C>;
export type DelContext<C> = PluginContext<C>;
export type CheckContext<C> = PluginContext<C>;
export type StatusContext<C> = PluginContext<C>;

export interface GcContext<C> extends PluginContext<C> {
  /** Attachments still valid; undefined means the runtime sent no list (collect nothing). */
  validAttachments: GcAttachment[] | undefined;
}

export interface Plugin<C> {
  name: string;
  /** Validate and type the config; throw a CniError (usually code 7) naming the bad key. */
  parseConfig(raw: NetConfRaw, env: CniEnv): C;
  add(ctx: AddContext<C>): Result | Promise<Result>;
  del(ctx: DelContext<C>): void | Promise<void>;
  check(ctx: CheckContext<C>): void | Promise<void>;
  /** Absent: GC succeeds doing nothing. */
  gc?(ctx: GcContext<C>): void | Promise<void>;
  /** Absent: STATUS reports the plugin available. */
  status?(ctx: StatusContext<C>): void | Promise<void>;
}

export interface PluginIo {
  env: Record<string, string | undefined>;
  /** Read all of stdin; called at most once. */
  stdin: () => Uint8Array | Promise<Uint8Array>;
  /** Write to stdout; called at most once per run. */
  stdout: (text: string) => void;
  logger?: Logger;
}

/** Run `plugin` against `io`; resolves to the exit code, 0 or 1. Never rejects. */
export async function runPlugin<C>(plugin: Plugin<C>, io: PluginIo): Promise<number> {
  const log = io.logger ?? NO_LOGGER;
  let stdinRead: Promise<Uint8Array> | undefined;
  const readStdin = (): Promise<Uint8Array> => (stdinRead ??= Promise.resolve().then(io.stdin));
  let wrote = false;
  const write = (text: string): void => {
    wrote = true;
    io.stdout(text);
  };

  try {
    const command = parseCommand(io.env);
    if (command === "VERSION") {
      const stdin = await readStdin().catch(() => undefined);
      write(versionReply(stdin));
      return 0;
    }
    const env = parseEnv(io.env);
    let stdin: Uint8Array;
    try {
      stdin = await readStdin();
    } catch (cause) {
      throw cniError(CniErrorCode.IO, "Cannot read the network configuration from stdin", undefined, { cause });
    }
    const raw = parseNetConf(stdin);
    assertSupported(raw.cniVersion);
    assertVerbAllowed(command, raw.cniVersion);
    const conf = plugin.parseConfig(raw, env);

    const ctx: PluginContext<C> = {
      conf,
      raw,
      stdin,
      env,
      cniVersion: raw.cniVersion,
      log,
      ipam: async (cmd) => {
        const type = raw.ipam?.type;
        if (typeof type !== "string" || type === "") {
          throw cniError(CniErrorCode.INVALID_CONFIG, "Missing ipam.type", `network "${raw.name}" needs an IPAM plugin`);
        }
        return delegate(type, { command: cmd, env: io.env, stdin, path: env.path });
      },
    };
    if (command !== "GC" && command !== "STATUS") {
      try {
        const prev = parsePrevResult(raw);
        if (prev !== undefined) ctx.prevResult = prev;
      } catch (err) {
        if (command !== "DEL") throw err;
        log.warn({ err }, "ignoring a prevResult that cannot be decoded");
      }
    }

    log.debug({ command, containerId: env.containerId, netns: env.netns, ifname: env.ifname, network: raw.name }, `${plugin.name} ${command}`);
    switch (command) {
      case "ADD": {
        const result: unknown = await plugin.add(ctx);
        if (result === undefined || result === null) {
          throw cniError(CniErrorCode.INTERNAL, `Plugin ${plugin.name} produced no ADD result`);
        }
        const own = normalizeResult(result, `ADD result from plugin ${plugin.name}`, CniErrorCode.INTERNAL);
        write(formatResult(own, raw.cniVersion));
        return 0;
      }
      case "DEL":
        await plugin.del(ctx);
        return 0;
      case "CHECK":
        await plugin.check(ctx);
        return 0;
      case "GC":
        await plugin.gc?.({ ...ctx, validAttachments: validAttachments(raw) });
        return 0;
      case "STATUS":
        await plugin.status?.(ctx);
        return 0;
    }
  } catch (err) {
    if (wrote) return 1; // stdout itself failed mid-answer: a second object would corrupt it
    // The request's version when it sent a well-formed one, else the newest.
    const version = peekVersion(await readStdin().catch(() => undefined)) ?? CURRENT_VERSION;
    const json = toErrorJson(err, version);
    try {
      log.error({ code: json.code, details: json.details }, json.msg);
    } catch {
      // A broken logger must not cost the runtime its error object.
    }
    try {
      io.stdout(JSON.stringify(json));
    } catch {
      // Nowhere left to report to; the exit code still says it failed.
    }
    return 1;
  }
}

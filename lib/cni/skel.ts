/**
 * The plugin skeleton: environment and stdin in, exactly one JSON object (or nothing) out.
 * A plugin supplies a config parser and one handler per verb; the skeleton validates in the
 * order a runtime's errors are expected (command → environment → stdin → version → config),
 * converts results to the requested version, and turns every failure into the spec's error
 * JSON. It never throws and never logs by itself; the caller injects a logger.
 */
import { parseNetConf, validAttachments } from "./config.ts";
import { delegate } from "./delegate.ts";
import { parseCommand, parseEnv, type CniEnv } from "./env.ts";
import { CniErrorCode, cniError, toErrorJson } from "./errors.ts";
import { formatResult, normalizeResult } from "./result.ts";
import type { Command, GcAttachment, NetConf, Result } from "./types.ts";
import { CURRENT_VERSION, assertSupported, assertVerbAllowed, parseVersion, versionReply } from "./version.ts";

type LogFn = (objOrMsg: object | string, msg?: string) => void;
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const silent: LogFn = () => {};
export const NO_LOGGER: Logger = { debug: silent, info: silent, warn: silent, error: silent };

export interface PluginContext<C> {
  conf: C;
  /** The whole request config, unknown keys included. */
  raw: NetConf;
  /** The exact stdin bytes (passed unchanged to delegates). */
  stdin: Uint8Array;
  env: CniEnv;
  /** The request's cniVersion (results are converted to it). */
  cniVersion: string;
  /** prevResult in 1.x form, when the runtime sent one. */
  prevResult?: Result;
  log: Logger;
  /** Run the config's IPAM plugin for `command` (same env and stdin, per the spec). */
  ipam(command: Command): Promise<Result | undefined>;
}

export interface GcContext<C> extends PluginContext<C> {
  /** Attachments still valid; undefined means the runtime sent no list (collect nothing). */
  validAttachments: GcAttachment[] | undefined;
}

export interface Plugin<C> {
  name: string;
  /** Validate and type the config; throw a CniError (usually code 7) naming the bad key. */
  parseConfig(raw: NetConf, env: CniEnv): C;
  add(ctx: PluginContext<C>): Result | Promise<Result>;
  del(ctx: PluginContext<C>): void | Promise<void>;
  check(ctx: PluginContext<C>): void | Promise<void>;
  gc?(ctx: GcContext<C>): void | Promise<void>;
  status?(ctx: PluginContext<C>): void | Promise<void>;
}

export interface PluginIo {
  env: Record<string, string | undefined>;
  /** Read stdin (called at most once, and never for VERSION without need). */
  stdin: () => Uint8Array | Promise<Uint8Array>;
  stdout: (text: string) => void;
  logger?: Logger;
}

/** Run `plugin` against `io`; resolves to the exit code (0 or 1). */
export async function runPlugin<C>(plugin: Plugin<C>, io: PluginIo): Promise<number> {
  const log = io.logger ?? NO_LOGGER;
  let errorVersion = CURRENT_VERSION;
  try {
    const command = parseCommand(io.env);
    if (command === "VERSION") {
      let stdin: Uint8Array | undefined;
      try {
        stdin = await io.stdin();
      } catch {
        stdin = undefined;
      }
      io.stdout(versionReply(stdin));
      return 0;
    }
    const env = parseEnv(io.env);
    const stdin = await io.stdin();
    const raw = parseNetConf(stdin);
    if (parseVersion(raw.cniVersion) !== undefined) errorVersion = raw.cniVersion;
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
          throw cniError(CniErrorCode.INVALID_CONFIG, "missing ipam.type", "this network needs an IPAM plugin");
        }
        return delegate(type, { command: cmd, env: io.env, stdin, path: env.path });
      },
    };
    if (raw.prevResult !== undefined && raw.prevResult !== null) {
      ctx.prevResult = normalizeResult(raw.prevResult, "prevResult");
    }

    log.debug({ command, containerId: env.containerId, netns: env.netns, ifname: env.ifname, network: raw.name }, `${plugin.name} ${command}`);
    switch (command) {
      case "ADD": {
        const result = await plugin.add(ctx);
        if (result === undefined || result === null) {
          throw cniError(CniErrorCode.INTERNAL, `${plugin.name} ADD produced no result`);
        }
        io.stdout(formatResult(normalizeResult(result), raw.cniVersion));
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
    const json = toErrorJson(err, errorVersion);
    log.error({ code: json.code, details: json.details }, json.msg);
    io.stdout(JSON.stringify(json));
    return 1;
  }
}

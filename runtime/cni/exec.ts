/**
 * Running one plugin as a CNI runtime does: found in the plugin directories (first regular
 * file), exec'd with CNI_* in the environment and the request on stdin, its stdout parsed as a
 * result or an error. "Text file busy" (a binary being replaced) is retried as libcni does.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";

export interface PluginRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** How a plugin process is started; tests wrap it (e.g. with nsenter into a simulated host). */
export type PluginRunner = (path: string, env: Record<string, string>, stdin: string) => PluginRun | Promise<PluginRun>;

export const spawnRunner: PluginRunner = (path, env, stdin) => {
  for (let attempt = 0; ; attempt++) {
    const out = spawnSync(path, [], { env, input: stdin, encoding: "utf8", timeout: 120_000, maxBuffer: 16 << 20 });
    const busy = (out.error as NodeJS.ErrnoException | undefined)?.code === "ETXTBSY";
    if (busy && attempt < 5) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      continue;
    }
    if (out.error) return { status: 127, stdout: "", stderr: out.error.message };
    return { status: out.status ?? 128, stdout: out.stdout, stderr: out.stderr };
  }
};

/** A plugin's CNI error (or a failure to run it), naming the plugin and the verb. */
export class CniPluginError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string;
  readonly plugin: string;
  constructor(plugin: string, verb: string, code: number, msg: string, details: string) {
    super(`plugin type="${plugin}" failed (${verb.toLowerCase()}): ${msg}${details === "" ? "" : `: ${details}`}`);
    this.name = "CniPluginError";
    this.code = code;
    this.msg = msg;
    this.details = details;
    this.plugin = plugin;
  }
}

export function findPlugin(type: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    try {
      if (statSync(`${d}/${type}`).isFile()) return `${d}/${type}`;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export interface Invocation {
  command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: [string, string][];
}

/** Run `type` with `request` on stdin; the parsed stdout on success (undefined when empty). */
export async function invoke(type: string, dirs: readonly string[], inv: Invocation, request: object, runner: PluginRunner = spawnRunner): Promise<unknown> {
  const path = findPlugin(type, dirs);
  if (path === undefined) throw new CniPluginError(type, inv.command, 4, `failed to find plugin "${type}"`, `searched ${dirs.join(":") || "no directories"}`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CNI_")) env[k] = v;
  Object.assign(env, {
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId ?? "",
    CNI_NETNS: inv.netns ?? "",
    CNI_IFNAME: inv.ifname ?? "",
    CNI_ARGS: (inv.args ?? []).map(([k, v]) => `${k}=${v}`).join(";"),
    CNI_PATH: dirs.join(":"),
  });
  const out = await runner(path, env, JSON.stringify(request));
  const text = out.stdout.trim();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    if (out.status === 0) throw new CniPluginError(type, inv.command, 6, "the plugin printed something that is not JSON", text.slice(0, 200));
  }
  if (out.status !== 0) {
    const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
    const fallback = out.stderr.trim().split("\n").at(-1) ?? "";
    throw new CniPluginError(type, inv.command, typeof e.code === "number" ? e.code : 999, typeof e.msg === "string" ? e.msg : `exited with status ${out.status}`, typeof e.details === "string" ? e.details : fallback);
  }
  return parsed;
}

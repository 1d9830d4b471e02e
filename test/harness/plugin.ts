/**
 * Exec a built plugin the way a CNI runtime does: CNI_* environment, config on stdin,
 * result or error JSON on stdout. It runs inside a simulated host namespace when one is given,
 * so nothing it does can touch the machine's own network.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { TestNetns } from "./netns.ts";

export const DIST = resolve(import.meta.dirname, "../../dist");
export const CNI_BIN = `${DIST}/cni`;

export interface PluginCall {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  path?: string;
  args?: string;
  /** A config object (serialised) or raw stdin text. */
  stdin?: unknown;
  /** Extra environment (e.g. BERTH_LOG_LEVEL); undefined values unset a variable. */
  env?: Record<string, string | undefined>;
  /** The simulated host namespace the plugin runs in. */
  host?: TestNetns;
}

export interface PluginOutput {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when empty). */
  json: Record<string, unknown> | undefined;
  elapsedMs: number;
}

export function execPlugin(plugin: string, call: PluginCall): PluginOutput {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CNI_")) env[k] = v;
  const set = (k: string, v: string | undefined) => {
    if (v !== undefined) env[k] = v;
  };
  set("CNI_COMMAND", call.command);
  set("CNI_CONTAINERID", call.containerId);
  set("CNI_NETNS", call.netns);
  set("CNI_IFNAME", call.ifname);
  set("CNI_PATH", call.path ?? CNI_BIN);
  set("CNI_ARGS", call.args);
  for (const [k, v] of Object.entries(call.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const input = call.stdin === undefined ? "" : typeof call.stdin === "string" ? call.stdin : JSON.stringify(call.stdin);
  const bin = `${CNI_BIN}/${plugin}`;
  const [cmd, args] = call.host ? ["nsenter", [`--net=${call.host.path}`, "--", bin]] : [bin, []];
  const start = performance.now();
  const out = spawnSync(cmd, args as string[], { env, input, encoding: "utf8", timeout: 30_000 });
  const elapsedMs = performance.now() - start;
  if (out.error) throw out.error;
  const stdout = out.stdout ?? "";
  let json: Record<string, unknown> | undefined;
  if (stdout.trim() !== "") {
    try {
      json = JSON.parse(stdout) as Record<string, unknown>;
    } catch {
      throw new Error(`${plugin} ${call.command} printed something that is not JSON: ${stdout}`);
    }
  }
  return { status: out.status ?? -1, stdout, stderr: out.stderr ?? "", json, elapsedMs };
}

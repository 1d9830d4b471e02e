/**
 * Exec a built plugin the way a CNI runtime does: CNI_* environment, config on stdin,
 * result or error JSON on stdout. It runs inside a simulated host namespace when one is given,
 * so nothing it does can touch the machine's own network.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { TestNetns } from "./netns.ts";

/** The build under test: BERTH_DIST (as scripts/build.sh takes it) or the repository's dist/. */
export const DIST = resolve(import.meta.dirname, "../..", process.env.BERTH_DIST ?? "dist");
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
  /** The directory of the plugin binary (default: berth's dist/cni). */
  binDir?: string;
}

export interface PluginOutput {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when empty). */
  json: Record<string, unknown> | undefined;
  elapsedMs: number;
}

function prepare(plugin: string, call: PluginCall): { cmd: string; args: string[]; env: Record<string, string>; input: string } {
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
  const bin = `${call.binDir ?? CNI_BIN}/${plugin}`;
  const [cmd, args] = call.host ? ["nsenter", [`--net=${call.host.path}`, "--", bin]] : [bin, []];
  return { cmd, args: args as string[], env, input };
}

function parseOutput(plugin: string, call: PluginCall, status: number, stdout: string, stderr: string, elapsedMs: number): PluginOutput {
  let json: Record<string, unknown> | undefined;
  if (stdout.trim() !== "") {
    try {
      json = JSON.parse(stdout) as Record<string, unknown>;
    } catch {
      throw new Error(`${plugin} ${call.command} printed something that is not JSON: ${stdout}`);
    }
  }
  return { status, stdout, stderr, json, elapsedMs };
}

export function execPlugin(plugin: string, call: PluginCall): PluginOutput {
  const { cmd, args, env, input } = prepare(plugin, call);
  const start = performance.now();
  const out = spawnSync(cmd, args, { env, input, encoding: "utf8", timeout: 30_000 });
  const elapsedMs = performance.now() - start;
  if (out.error) throw out.error;
  return parseOutput(plugin, call, out.status ?? -1, out.stdout ?? "", out.stderr ?? "", elapsedMs);
}

/** The same, without blocking: for concurrent calls. `onSpawn` sees the child (e.g. to kill it). */
export function execPluginAsync(plugin: string, call: PluginCall, onSpawn?: (child: ChildProcess) => void): Promise<PluginOutput & { signal: string | null }> {
  const { cmd, args, env, input } = prepare(plugin, call);
  const start = performance.now();
  const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.on("error", () => {}); // a killed child may close stdin early
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const elapsedMs = performance.now() - start;
      try {
        const out = signal ? { status: -1, stdout, stderr, json: undefined, elapsedMs } : parseOutput(plugin, call, code ?? -1, stdout, stderr, elapsedMs);
        resolve({ ...out, signal });
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * The runner berth's own runtime uses: a plugin whose binary is this very berth (a symlink to it
 * in the plugin directory) runs inside the calling process through the same skel, with the same
 * env and stdin; anything else is exec'd. BERTH_CNI_EXEC=1 forces exec for every plugin.
 */
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import { mark } from "../trace.ts";
import { spawnRunner, type PluginRunner } from "./exec.ts";

export function inProcessRunner(self: string): PluginRunner {
  let selfReal: string | undefined;
  try {
    selfReal = realpathSync(self);
  } catch {
    selfReal = undefined;
  }
  return async (path, env, stdin) => {
    let target: string | undefined;
    try {
      target = realpathSync(path);
    } catch {
      target = undefined;
    }
    if (process.env.BERTH_CNI_EXEC === "1" || selfReal === undefined || target !== selfReal) return spawnRunner(path, env, stdin);
    const { runPluginInProcess } = await import("../../plugins/run.ts");
    const out = await runPluginInProcess(basename(path), env, Buffer.from(stdin));
    mark(`${basename(path)} ${env.CNI_COMMAND ?? ""}`);
    return { status: out.code, stdout: out.stdout, stderr: "" };
  };
}

/**
 * berth's CNI runtime: runs a network's conflist for a container the way libcni does — ADD in
 * order with each result as the next plugin's prevResult and the final one cached, DEL in
 * reverse with the cached result, CHECK in order, GC deleting cached attachments that are no
 * longer valid then sending GC, STATUS in order — so berth's own runtime calls its plugins
 * exactly as containerd or Podman would.
 */
import { convertResult, atLeast } from "../../lib/cni/index.ts";
import { ResultCache, type CacheEntry } from "./cache.ts";
import type { NetworkConfigList, PluginConf } from "./conflist.ts";
import { CniPluginError, invoke, spawnRunner, type PluginRunner } from "./exec.ts";

export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs. */
  args?: [string, string][];
  /** Values for capabilities (portMappings, dns, dnsFiles, aliases, mac, ips...). */
  capabilityArgs?: Record<string, unknown>;
}

export interface CniRuntimeOptions {
  pluginDirs: string[];
  cacheDir: string;
  runner?: PluginRunner;
}

export interface Attachment {
  containerID: string;
  ifname: string;
}

/** The request a plugin of the list receives (CFG-11/12). */
export function requestFor(list: NetworkConfigList, plugin: PluginConf, rt: RuntimeConf | undefined, prevResult: unknown): Record<string, unknown> {
  const req: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (rt !== undefined) {
    const runtimeConfig: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      const value = rt.capabilityArgs?.[cap];
      if (on === true && value !== undefined) runtimeConfig[cap] = value;
    }
    if (Object.keys(runtimeConfig).length > 0) req.runtimeConfig = runtimeConfig;
  }
  if (prevResult !== undefined) req.prevResult = convertResult(prevResult, list.cniVersion);
  return req;
}

export class CniRuntime {
  readonly cache: ResultCache;
  readonly #dirs: string[];
  readonly #runner: PluginRunner;

  constructor(options: CniRuntimeOptions) {
    this.#dirs = options.pluginDirs;
    this.cache = new ResultCache(options.cacheDir);
    this.#runner = options.runner ?? spawnRunner;
  }

  #run(list: NetworkConfigList, plugin: PluginConf, command: "ADD" | "DEL" | "CHECK", rt: RuntimeConf, prev: unknown): Promise<unknown> {
    return invoke(plugin.type, this.#dirs, { command, containerId: rt.containerId, netns: rt.netns, ifname: rt.ifname, args: rt.args ?? [] }, requestFor(list, plugin, rt, prev), this.#runner);
  }

  /** ADD the container to the network; returns the final result (in the list's version), cached. */
  async add(list: NetworkConfigList, rt: RuntimeConf): Promise<Record<string, unknown>> {
    let result: unknown;
    for (const plugin of list.plugins) result = await this.#run(list, plugin, "ADD", rt, result);
    const final = convertResult(result ?? { cniVersion: list.cniVersion }, list.cniVersion);
    this.cache.write({
      kind: "cniCacheV1",
      containerId: rt.containerId,
      ifName: rt.ifname,
      networkName: list.name,
      netns: rt.netns,
      config: list.bytes.toString("base64"),
      cniArgs: rt.args ?? [],
      capabilityArgs: rt.capabilityArgs ?? {},
      result: final,
    });
    return final;
  }

  /** DEL in reverse order with the cached result; the cache entry goes only when every plugin succeeded. */
  async del(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    const cached = this.cache.read(list.name, rt.containerId, rt.ifname);
    let prev: unknown;
    if (cached !== undefined && atLeast(list.cniVersion, "0.4.0")) {
      try {
        prev = convertResult(cached.result, list.cniVersion);
      } catch {
        prev = undefined;
      }
    }
    const conf: RuntimeConf = { ...rt, capabilityArgs: rt.capabilityArgs ?? cached?.capabilityArgs ?? {}, args: rt.args ?? cached?.cniArgs ?? [] };
    for (const plugin of [...list.plugins].reverse()) await this.#run(list, plugin, "DEL", conf, prev);
    this.cache.remove(list.name, rt.containerId, rt.ifname);
  }

  /** CHECK in order with the cached result (nothing runs when the list disables CHECK). */
  async check(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    if (list.disableCheck) return;
    if (!atLeast(list.cniVersion, "0.4.0")) throw new CniPluginError(list.plugins[0]?.type ?? "", "CHECK", 1, `CHECK needs CNI 0.4.0 or later; network "${list.name}" speaks ${list.cniVersion}`, "");
    const cached = this.cache.read(list.name, rt.containerId, rt.ifname);
    const conf: RuntimeConf = { ...rt, capabilityArgs: rt.capabilityArgs ?? cached?.capabilityArgs ?? {} };
    for (const plugin of list.plugins) await this.#run(list, plugin, "CHECK", conf, cached?.result);
  }

  /**
   * GC: every cached attachment of the network not in `valid` gets a full DEL (with its cached
   * netns and arguments), then each plugin (1.1.0 lists) gets GC with the valid set. Errors are
   * collected, not fatal to the rest; the first is thrown at the end.
   */
  async gc(list: NetworkConfigList, valid: Attachment[]): Promise<void> {
    if (list.disableGC) return;
    const keep = new Set(valid.map((a) => `${a.containerID}\0${a.ifname}`));
    const errors: Error[] = [];
    for (const e of this.cache.list(list.name)) {
      if (keep.has(`${e.containerId}\0${e.ifName}`)) continue;
      try {
        await this.del(list, rtOf(e));
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (atLeast(list.cniVersion, "1.1.0")) {
      for (const plugin of list.plugins) {
        const req = { ...requestFor(list, plugin, undefined, undefined), "cni.dev/valid-attachments": valid, "cni.dev/attachments": valid };
        try {
          await invoke(plugin.type, this.#dirs, { command: "GC" }, req, this.#runner);
        } catch (err) {
          errors.push(err as Error);
        }
      }
    }
    if (errors[0] !== undefined) throw errors[0];
  }

  /** STATUS of each plugin in order (1.1.0 lists; older ones are simply ready). */
  async status(list: NetworkConfigList): Promise<void> {
    if (!atLeast(list.cniVersion, "1.1.0")) return;
    for (const plugin of list.plugins) await invoke(plugin.type, this.#dirs, { command: "STATUS" }, requestFor(list, plugin, undefined, undefined), this.#runner);
  }
}

function rtOf(e: CacheEntry): RuntimeConf {
  return { containerId: e.containerId, netns: e.netns, ifname: e.ifName, args: e.cniArgs, capabilityArgs: e.capabilityArgs };
}

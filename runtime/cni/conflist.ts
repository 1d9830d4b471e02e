/**
 * Network configuration lists (`.conflist`), as a CNI runtime reads them: validated, with the
 * version negotiated the way libcni does (the highest of `cniVersion` ∪ `cniVersions` that berth
 * speaks), legacy single-plugin `.conf` files up-converted, and the flags accepted as booleans or
 * the strings "true"/"false".
 */
import { readFileSync, readdirSync } from "node:fs";
import { NETWORK_NAME_PATTERN, SUPPORTED_VERSIONS, compareVersions, isSupportedVersion } from "../../lib/cni/index.ts";

export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetworkConfigList {
  name: string;
  cniVersion: string;
  disableCheck: boolean;
  disableGC: boolean;
  plugins: PluginConf[];
  /** The file it came from, or "" for an in-memory list. */
  source: string;
  /** The raw JSON bytes (the result cache keeps them, as libcni does). */
  bytes: Buffer;
}

export class ConfigListError extends Error {
  constructor(source: string, problem: string) {
    super(`network config ${source === "" ? "(inline)" : source}: ${problem}`);
    this.name = "ConfigListError";
  }
}

function flag(raw: Record<string, unknown>, key: string, source: string): boolean {
  const v = raw[key];
  if (v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  throw new ConfigListError(source, `${key} must be true or false, got ${JSON.stringify(v)}`);
}

/** Parse a conflist (or a legacy single-plugin conf, which becomes a list of one). */
export function parseConfigList(bytes: Buffer | string, source = ""): NetworkConfigList {
  const buf = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw new ConfigListError(source, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigListError(source, "must be a JSON object");
  const obj = raw as Record<string, unknown>;
  const name = obj.name;
  if (typeof name !== "string" || !NETWORK_NAME_PATTERN.test(name)) {
    throw new ConfigListError(source, `name ${JSON.stringify(name)} must start with a letter or digit and hold only letters, digits, "_", "." and "-"`);
  }
  const candidates = [obj.cniVersion, ...(Array.isArray(obj.cniVersions) ? obj.cniVersions : [])].filter((v): v is string => typeof v === "string" && v !== "");
  const usable = candidates.filter(isSupportedVersion).sort(compareVersions);
  const cniVersion = usable.at(-1);
  if (cniVersion === undefined) {
    throw new ConfigListError(source, `none of its versions ${JSON.stringify(candidates)} is one berth speaks (${SUPPORTED_VERSIONS.join(", ")})`);
  }
  const list = Array.isArray(obj.plugins) ? obj.plugins : typeof obj.type === "string" ? [obj] : undefined;
  if (list === undefined || list.length === 0) throw new ConfigListError(source, "has no plugins");
  const plugins = list.map((p, i) => {
    if (typeof p !== "object" || p === null || typeof (p as PluginConf).type !== "string" || (p as PluginConf).type === "" || /[/\\]/.test((p as PluginConf).type)) {
      throw new ConfigListError(source, `plugin ${i + 1} needs a "type" naming a plugin binary (no path separators)`);
    }
    return p as PluginConf;
  });
  return { name, cniVersion, disableCheck: flag(obj, "disableCheck", source), disableGC: flag(obj, "disableGC", source), plugins, source, bytes: buf };
}

/** Every conflist in a directory, in lexicographic order (unreadable or invalid files are reported). */
export function loadConfigLists(dir: string): { lists: NetworkConfigList[]; errors: ConfigListError[] } {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.(conflist|conf|json)$/.test(f)).sort();
  } catch {
    return { lists: [], errors: [] };
  }
  const lists: NetworkConfigList[] = [];
  const errors: ConfigListError[] = [];
  for (const f of names) {
    try {
      lists.push(parseConfigList(readFileSync(`${dir}/${f}`), `${dir}/${f}`));
    } catch (err) {
      errors.push(err instanceof ConfigListError ? err : new ConfigListError(`${dir}/${f}`, (err as Error).message));
    }
  }
  return { lists, errors };
}

/** The list named `name` in `dir` (the first file in lexicographic order wins, as in libcni). */
export function findConfigList(dir: string, name: string): NetworkConfigList | undefined {
  return loadConfigLists(dir).lists.find((l) => l.name === name);
}

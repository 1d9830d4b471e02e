/**
 * The macvlan plugin's configuration: the keys of the reference macvlan plugin with the same
 * meanings and defaults, validated up front. Code 7 names a bad key; code 2 names a key whose
 * value berth cannot honour yet. Nothing here touches the kernel: the master and its MTU are
 * resolved by ADD, CHECK and STATUS (master.ts), so DEL never depends on the master existing.
 */
import { stateDirOf } from "../common/attachment.ts";
import { capabilities, cniError, CniErrorCode, getCI, type CniEnv, type Dns, type NetConf } from "../../lib/cni/index.ts";
import { formatMac, isMulticastMac, tryParseMac } from "../../lib/ip/index.ts";

/** The modes the reference plugin accepts ("source" needs a MAC list that CNI has no key for). */
export const MACVLAN_MODES = ["bridge", "private", "vepa", "passthru"] as const;
export type MacvlanModeName = (typeof MACVLAN_MODES)[number];

export interface MacvlanConfig {
  name: string;
  /** The parent link; undefined means the interface of the default route (IPv4, then IPv6). */
  master: string | undefined;
  mode: MacvlanModeName;
  /** The macvlan's MTU; undefined (or 0 in the config) means the master's. */
  mtu: number | undefined;
  /** Static MAC: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC > the `mac` key. */
  mac: string | undefined;
  /** The master lives in the container's namespace rather than the host's. */
  linkInContainer: boolean;
  /** Broadcast queue length (`bcqueuelen`, 0 or absent: the kernel's default). */
  bcQueueLen?: number;
  dns: Dns | undefined;
  ipamType: string | undefined;
  /** Where attachment records live (berth key; BERTH_STATE_DIR or /var/lib/berth/cni). */
  stateDir: string;
}

const invalid = (key: string, why: string) => cniError(CniErrorCode.INVALID_CONFIG, `invalid ${key}`, why);

function integer(raw: NetConf, key: string, min: number, max: number): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(key, `${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseMaster(raw: NetConf): string | undefined {
  const v = raw.master;
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || Buffer.byteLength(v) > 15 || /[/:\s]/.test(v) || v === "." || v === "..") {
    throw invalid("master", `master must be an interface name of at most 15 bytes, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseMode(raw: NetConf): MacvlanModeName {
  const v = raw.mode;
  if (v === undefined || v === null || v === "") return "bridge";
  if (typeof v === "string" && (MACVLAN_MODES as readonly string[]).includes(v)) return v as MacvlanModeName;
  const why = v === "source"
    ? "mode source filters by a list of source MACs that no CNI key carries"
    : `unknown macvlan mode ${JSON.stringify(v)}`;
  throw invalid("mode", `${why}: use one of ${MACVLAN_MODES.join(", ")} (default bridge)`);
}

function parseMacSources(raw: NetConf, env: CniEnv): string | undefined {
  const candidates: [string, unknown][] = [
    ["runtimeConfig.mac", capabilities.mac(raw.runtimeConfig)],
    ["args.cni.mac", getCI(getCI(raw.args, "cni"), "mac")],
    ["CNI_ARGS MAC", env.args.get("MAC")],
    ["mac", raw.mac],
  ];
  for (const [source, value] of candidates) {
    if (value === undefined || value === null || value === "") continue;
    const mac = typeof value === "string" ? tryParseMac(value) : undefined;
    if (mac === undefined) throw invalid(source, `${source} ${JSON.stringify(value)} is not a MAC address`);
    if (isMulticastMac(mac)) throw invalid(source, `${source} ${value} is a multicast address (lowest bit of the first byte set): an interface needs a unicast MAC`);
    return formatMac(mac);
  }
  return undefined;
}

export function parseMacvlanConfig(raw: NetConf, env: CniEnv): MacvlanConfig {
  const linkInContainer = raw.linkInContainer;
  if (linkInContainer !== undefined && linkInContainer !== null && typeof linkInContainer !== "boolean") {
    throw invalid("linkInContainer", `linkInContainer must be true or false, got ${JSON.stringify(linkInContainer)}`);
  }
  const bcQueueLen = integer(raw, "bcqueuelen", 0, 0xffffffff);
  return {
    name: raw.name,
    master: parseMaster(raw),
    mode: parseMode(raw),
    mtu: integer(raw, "mtu", 0, 65535) || undefined,
    mac: parseMacSources(raw, env),
    linkInContainer: linkInContainer === true,
    ...(bcQueueLen ? { bcQueueLen } : {}),
    dns: raw.dns,
    ipamType: typeof raw.ipam?.type === "string" && raw.ipam.type !== "" ? raw.ipam.type : undefined,
    stateDir: stateDirOf(raw),
  };
}

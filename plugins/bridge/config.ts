/**
 * The bridge plugin's configuration: every key of the reference bridge plugin, with the same
 * meaning and defaults, validated up front (code 7 names the key; code 2 names a key whose value
 * berth cannot honour yet).
 */
import { stateDirOf } from "../common/attachment.ts";
import { capabilities, cniError, CniErrorCode, getCI, type CniEnv, type Dns, type NetConf } from "../../lib/cni/index.ts";
import { tryParseMac } from "../../lib/ip/index.ts";

export interface VlanTrunk {
  minID: number;
  maxID: number;
}

/** berth's multi-host overlay: a VXLAN device enslaved to the bridge. */
export interface VxlanOverlay {
  vni: number;
  /** Device name (default "vx" + vni). */
  name: string;
  /** UDP port (default 4789, IANA's). */
  port: number;
  local?: string;
  /** Multicast group, or none with static `remotes`. */
  group?: string;
  remotes: string[];
  /** Underlay device (default: chosen by the kernel's routing). */
  dev?: string;
}

export interface BridgeConfig {
  name: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  mtu: number | undefined;
  hairpinMode: boolean;
  /** Frames from the container's port must carry its MAC (nftables bridge table). */
  macspoofchk: boolean;
  promiscMode: boolean;
  vlan: number;
  vlanTrunk: VlanTrunk[];
  preserveDefaultVlan: boolean;
  enableDad: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** Static MAC for the container interface: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC. */
  mac: string | undefined;
  dns: Dns | undefined;
  ipamType: string | undefined;
  /** Where attachment records live (berth key; BERTH_STATE_DIR or /var/lib/berth/cni). */
  stateDir: string;
  /** Masquerade traffic leaving the network's subnets (in berth's nftables table, or its iptables chains). */
  ipMasq: boolean;
  /** The firewall backend of ipMasq ("nftables" or "iptables"; absent: nftables when nft is installed). */
  ipMasqBackend: "nftables" | "iptables" | undefined;
  /** berth: join the bridge to a VXLAN overlay. */
  vxlan: VxlanOverlay | undefined;
  /** berth: an existing host interface to enslave to the bridge (the br0 + em1 recipe). */
  uplink: string | undefined;
}

const invalid = (key: string, why: string) => cniError(CniErrorCode.INVALID_CONFIG, `invalid ${key}`, why);

function bool(raw: NetConf, key: string, def = false): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "boolean") throw invalid(key, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function int(raw: NetConf, key: string, min: number, max: number): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(key, `${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseTrunk(raw: NetConf): VlanTrunk[] {
  const list = raw.vlanTrunk;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid("vlanTrunk", "vlanTrunk must be a list of {id} or {minID, maxID}");
  return list.map((t: unknown, i) => {
    const id = getCI(t, "id");
    const min = getCI(t, "minID");
    const max = getCI(t, "maxID");
    const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 4094;
    if (ok(id)) return { minID: id, maxID: id };
    if (ok(min) && ok(max) && min <= max) return { minID: min, maxID: max };
    throw invalid("vlanTrunk", `vlanTrunk[${i}] must be {"id": 1-4094} or {"minID": a, "maxID": b} with 1 <= a <= b <= 4094`);
  });
}

function parseMacSources(raw: NetConf, env: CniEnv): string | undefined {
  const candidates: [string, unknown][] = [
    ["runtimeConfig.mac", capabilities.mac(raw.runtimeConfig)],
    ["args.cni.mac", getCI(getCI(raw.args, "cni"), "mac")],
    ["CNI_ARGS MAC", env.args.get("MAC")],
  ];
  for (const [source, value] of candidates) {
    if (value === undefined || value === "") continue;
    const mac = typeof value === "string" ? tryParseMac(value) : undefined;
    if (mac === undefined) throw invalid(source, `${source} ${JSON.stringify(value)} is not a MAC address`);
    return value as string;
  }
  return undefined;
}

const IP_TEXT = /^[0-9a-fA-F:.]+$/;

function parseVxlan(raw: NetConf): VxlanOverlay | undefined {
  const v = raw.vxlan;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw invalid("vxlan", 'vxlan must be an object such as {"vni": 42, "remotes": ["192.0.2.2"]}');
  const o = v as Record<string, unknown>;
  const vni = o.vni;
  if (typeof vni !== "number" || !Number.isInteger(vni) || vni < 0 || vni > 0xffffff) throw invalid("vxlan.vni", `vxlan.vni must be an integer from 0 to 16777215, got ${JSON.stringify(vni)}`);
  const port = o.port ?? 4789;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid("vxlan.port", `vxlan.port must be a UDP port, got ${JSON.stringify(port)}`);
  const name = o.name ?? `vx${vni}`;
  if (typeof name !== "string" || Buffer.byteLength(name) > 15 || /[/:\s]/.test(name)) throw invalid("vxlan.name", `vxlan.name must be an interface name, got ${JSON.stringify(name)}`);
  const ipOf = (k: string): string | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== "string" || !IP_TEXT.test(x)) throw invalid(`vxlan.${k}`, `vxlan.${k} must be an IP address, got ${JSON.stringify(x)}`);
    return x;
  };
  const remotes = o.remotes ?? [];
  if (!Array.isArray(remotes) || !remotes.every((r) => typeof r === "string" && IP_TEXT.test(r))) throw invalid("vxlan.remotes", "vxlan.remotes must be a list of IP addresses");
  const group = ipOf("group");
  if (group === undefined && remotes.length === 0) throw invalid("vxlan", "give vxlan.remotes (the other hosts' underlay addresses) or a multicast vxlan.group");
  const dev = o.dev;
  if (dev !== undefined && typeof dev !== "string") throw invalid("vxlan.dev", "vxlan.dev must be an interface name");
  const local = ipOf("local");
  return { vni, name, port, remotes: remotes as string[], ...(local ? { local } : {}), ...(group ? { group } : {}), ...(dev ? { dev } : {}) };
}

export function parseBridgeConfig(raw: NetConf, env: CniEnv): BridgeConfig {
  const bridge = raw.bridge === undefined || raw.bridge === "" ? "cni0" : raw.bridge;
  if (typeof bridge !== "string" || Buffer.byteLength(bridge) > 15 || /[/:\s]/.test(bridge)) {
    throw invalid("bridge", `bridge must be an interface name of at most 15 bytes, got ${JSON.stringify(raw.bridge)}`);
  }
  const isDefaultGateway = bool(raw, "isDefaultGateway");
  const conf: BridgeConfig = {
    name: raw.name,
    bridge,
    isDefaultGateway,
    isGateway: bool(raw, "isGateway") || isDefaultGateway,
    forceAddress: bool(raw, "forceAddress"),
    mtu: int(raw, "mtu", 0, 65535) || undefined,
    hairpinMode: bool(raw, "hairpinMode"),
    macspoofchk: bool(raw, "macspoofchk"),
    promiscMode: bool(raw, "promiscMode"),
    vlan: int(raw, "vlan", 0, 4094) ?? 0,
    vlanTrunk: parseTrunk(raw),
    preserveDefaultVlan: bool(raw, "preserveDefaultVlan"),
    enableDad: bool(raw, "enabledad"),
    disableContainerInterface: bool(raw, "disableContainerInterface"),
    portIsolation: bool(raw, "portIsolation"),
    mac: parseMacSources(raw, env),
    dns: raw.dns,
    ipamType: typeof raw.ipam?.type === "string" && raw.ipam.type !== "" ? raw.ipam.type : undefined,
    stateDir: stateDirOf(raw),
    ipMasq: bool(raw, "ipMasq"),
    ipMasqBackend: undefined,
    vxlan: parseVxlan(raw),
    uplink: undefined,
  };
  if (raw.uplink !== undefined) {
    if (typeof raw.uplink !== "string" || raw.uplink === "" || Buffer.byteLength(raw.uplink) > 15) throw invalid("uplink", `uplink must name a host interface, got ${JSON.stringify(raw.uplink)}`);
    conf.uplink = raw.uplink;
  }
  if (conf.hairpinMode && conf.promiscMode) {
    throw invalid("promiscMode", "cannot set hairpinMode and promiscMode at the same time");
  }
  if (conf.disableContainerInterface && conf.ipamType !== undefined) {
    throw invalid("disableContainerInterface", "a container interface left down cannot carry IPAM addresses: drop ipam or disableContainerInterface");
  }
  const backend = raw.ipMasqBackend;
  if (backend !== undefined && backend !== "iptables" && backend !== "nftables") {
    throw invalid("ipMasqBackend", `ipMasqBackend must be "iptables" or "nftables", got ${JSON.stringify(backend)}`);
  }
  conf.ipMasqBackend = backend;
  return conf;
}

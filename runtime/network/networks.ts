/**
 * berth's networks (`berth network create …`), stored as conflists in one directory that
 * containerd or Podman could read too (`<root>/networks/<name>.conflist`). A network is a
 * driver (bridge, macvlan, ptp, vxlan) plus Docker's options, turned into the plugin chain berth
 * runs for each container: the interface plugin with host-local IPAM (automatic RFC 1918
 * subnet unless one is given), then portmap, firewall (isolation, icc, internal) and dnsfiles.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { FileLock, writeFileAtomic } from "../../lib/store/index.ts";
import { parseCidr, formatCidr, cidrNetwork, cidrContains, parseIp } from "../../lib/ip/index.ts";
import { parseConfigList, type NetworkConfigList } from "../cni/index.ts";

export type Driver = "bridge" | "macvlan" | "ptp" | "vxlan";

export interface NetworkSpec {
  name: string;
  driver: Driver;
  /** CIDRs; none → an automatic RFC 1918 subnet (and an IPv6 ULA one with ipv6). */
  subnets: string[];
  gateway?: string;
  internal: boolean;
  icc: boolean;
  ipv6: boolean;
  mtu?: number;
  /** macvlan: the host interface (`-o parent=`). */
  parent?: string;
  /** bridge: the bridge device name (default berth-<name>, or berth0 for the default network). */
  bridge?: string;
  /** vxlan: the overlay joining this host's bridge to the other hosts' (`-o vni= -o remote=a,b`). */
  vxlan?: { vni: number; remotes: string[]; local?: string; dev?: string; group?: string };
  labels: Record<string, string>;
}

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkError";
  }
}

export const DEFAULT_NETWORK = "bridge";
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The bridge device of a network: ≤ 15 bytes. */
export function bridgeName(spec: Pick<NetworkSpec, "name" | "bridge">): string {
  if (spec.bridge !== undefined) return spec.bridge;
  if (spec.name === DEFAULT_NETWORK) return "berth0";
  let h = 0x811c9dc5;
  for (const c of Buffer.from(spec.name)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `br-${h.toString(16).padStart(8, "0")}`;
}

/** Check a spec; throws naming the option and the fix. */
export function validateSpec(spec: NetworkSpec): void {
  if (!NAME.test(spec.name)) throw new NetworkError(`network name "${spec.name}" is invalid: start with a letter or digit, then letters, digits, "_", "." or "-"`);
  for (const s of spec.subnets) {
    let c;
    try {
      c = parseCidr(s);
    } catch {
      throw new NetworkError(`--subnet "${s}" is not a CIDR (like 172.30.0.0/16)`);
    }
    if (formatCidr(cidrNetwork(c)) !== formatCidr(c)) throw new NetworkError(`--subnet "${s}" has host bits set: use ${formatCidr(cidrNetwork(c))}`);
  }
  if (spec.gateway !== undefined) {
    const gw = parseIp(spec.gateway);
    if (!spec.subnets.some((s) => cidrContains(parseCidr(s), gw))) throw new NetworkError(`--gateway ${spec.gateway} is in none of the network's subnets: give a --subnet that holds it`);
  }
  if (spec.driver === "macvlan" && spec.parent === undefined) throw new NetworkError('the macvlan driver needs -o parent=IFACE (the host interface to attach to)');
  if (spec.driver === "vxlan") {
    const v = spec.vxlan;
    if (v === undefined || !Number.isInteger(v.vni) || v.vni < 0 || v.vni > 0xffffff) throw new NetworkError("the vxlan driver needs -o vni=N (0-16777215), the same on every host of the network");
    if (v.remotes.length === 0 && v.group === undefined) throw new NetworkError("the vxlan driver needs -o remote=IP[,IP…] (the other hosts' underlay addresses) or -o group=MULTICAST-IP");
    if (spec.subnets.length === 0) throw new NetworkError("the vxlan driver needs --subnet (and a per-host range): every host must agree on the subnet, so it cannot be picked automatically");
  }
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 68 || spec.mtu > 65535)) throw new NetworkError(`-o mtu=${spec.mtu} must be an integer from 68 to 65535`);
}

/** The conflist of a network, ready to write. */
export function renderConflist(spec: NetworkSpec, stateDir: string, ipamDir: string): Record<string, unknown> {
  validateSpec(spec);
  const ranges = spec.subnets.map((s) => [{ subnet: s, ...(spec.gateway !== undefined && cidrContains(parseCidr(s), parseIp(spec.gateway)) ? { gateway: spec.gateway } : {}) }]);
  const ipam: Record<string, unknown> = { type: "host-local", dataDir: ipamDir, ...(ranges.length > 0 ? { ranges } : {}), ...(spec.ipv6 && ranges.length === 0 ? { ipv6: true } : {}) };
  const mtu = spec.mtu === undefined ? {} : { mtu: spec.mtu };
  const main: Record<string, unknown> =
    spec.driver === "macvlan"
      ? { type: "macvlan", master: spec.parent, mode: "bridge", ...mtu, stateDir, ipam, capabilities: { ips: true, mac: true } }
      : spec.driver === "ptp"
        ? { type: "ptp", ipMasq: !spec.internal, ...mtu, stateDir, ipam, capabilities: { ips: true } }
        : {
            type: "bridge",
            capabilities: { ips: true, mac: true },
            bridge: bridgeName(spec),
            isGateway: true,
            isDefaultGateway: !spec.internal,
            ipMasq: !spec.internal,
            hairpinMode: true,
            ...mtu,
            ...(spec.driver === "vxlan" && spec.vxlan ? { vxlan: spec.vxlan } : {}),
            stateDir,
            ipam,
          };
  return {
    cniVersion: "1.1.0",
    name: spec.name,
    plugins: [
      main,
      { type: "portmap", stateDir, capabilities: { portMappings: true } },
      ...(spec.driver === "macvlan" ? [] : [{ type: "firewall", stateDir, ingressPolicy: "same-bridge", icc: spec.icc, internal: spec.internal }]),
      { type: "dnsfiles", stateDir, capabilities: { dnsFiles: true, dns: true, aliases: true } },
    ],
    "berth.dev/network": { driver: spec.driver, internal: spec.internal, icc: spec.icc, ipv6: spec.ipv6, labels: spec.labels, created: new Date().toISOString() },
  };
}

export class NetworkStore {
  readonly dir: string;
  readonly stateDir: string;
  readonly ipamDir: string;

  constructor(root: string) {
    this.dir = `${root}/networks`;
    this.stateDir = `${root}/cni-state`;
    this.ipamDir = `${root}/ipam`;
  }

  #file(name: string): string {
    return `${this.dir}/${name}.conflist`;
  }

  get(name: string): NetworkConfigList | undefined {
    try {
      return parseConfigList(readFileSync(this.#file(name)), this.#file(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  list(): NetworkConfigList[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith(".conflist")).sort();
    } catch {
      return [];
    }
    return files.flatMap((f) => {
      try {
        return [parseConfigList(readFileSync(`${this.dir}/${f}`), `${this.dir}/${f}`)];
      } catch {
        return [];
      }
    });
  }

  /** Create a network; refuses an existing name and a bridge another network uses. */
  create(spec: NetworkSpec): NetworkConfigList {
    using _lock = FileLock.acquire(`${this.dir}/.lock`);
    if (this.get(spec.name) !== undefined) throw new NetworkError(`network "${spec.name}" already exists: pick another name or remove it first (berth network rm ${spec.name})`);
    const conflist = renderConflist(spec, this.stateDir, this.ipamDir);
    const bridge = (conflist.plugins as Record<string, unknown>[])[0]?.bridge;
    if (typeof bridge === "string") {
      const other = this.list().find((l) => l.plugins[0]?.bridge === bridge);
      if (other) throw new NetworkError(`bridge ${bridge} already belongs to network "${other.name}": choose another -o bridge name`);
    }
    writeFileAtomic(this.#file(spec.name), `${JSON.stringify(conflist, null, 2)}\n`, { mode: 0o644, mkdirMode: 0o755 });
    return this.get(spec.name) as NetworkConfigList;
  }

  /** The default network `bridge` on berth0, created on first use. */
  ensureDefault(): NetworkConfigList {
    const existing = this.get(DEFAULT_NETWORK);
    if (existing) return existing;
    try {
      return this.create({ name: DEFAULT_NETWORK, driver: "bridge", subnets: [], internal: false, icc: true, ipv6: false, labels: {} });
    } catch (err) {
      const again = this.get(DEFAULT_NETWORK);
      if (again) return again;
      throw err;
    }
  }

  /** Remove a network's conflist (the caller checks that no container uses it). */
  remove(name: string): void {
    using _lock = FileLock.acquire(`${this.dir}/.lock`);
    if (this.get(name) === undefined) throw new NetworkError(`no such network "${name}": see 'berth network ls'`);
    rmSync(this.#file(name), { force: true });
  }
}

/**
 * host-local IPAM operations: ADD, DEL, CHECK, GC and STATUS over a Store. A drop-in for the
 * reference plugin (same configuration, same directory layout and lock), plus exclusions, a
 * release cool-down, boot-ID stamping, idempotent ADD, GC and a meaningful STATUS.
 *
 * Library code: nothing is logged; pass `onDiagnostic` to hear about what was repaired.
 */
import { formatIp, parseCidr, unmapIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import { IpamCode, IpamError } from "../shared/errors.ts";
import { field, isJsonObject } from "../shared/json.ts";
import type { Attachment, IpamNetworkRequest, IpamRequest, IpamResult } from "../shared/types.ts";
import { allocate, freeAddressCount, releaseOwner } from "./allocator.ts";
import type { AllocationPolicy } from "./allocator.ts";
import { parseHostLocalConfig, parseHostLocalLocation } from "./config.ts";
import type { HostLocalConfig, HostLocalLocation } from "./config.ts";
import { DiskStore } from "./disk_store.ts";
import { readResolvConf } from "./dns.ts";
import { describeRangeSet, rangeFor } from "./range_set.ts";
import type { Owner, Reservation, Store, StoreTx } from "./store.ts";

export interface HostLocalOptions {
  /** Where reservations live (default: a DiskStore in `<dataDir>/<network>`). */
  readonly openStore?: (location: HostLocalLocation) => Store;
  readonly now?: () => number;
  /** The current boot ID (default: read from /proc). */
  readonly bootId?: string;
  readonly lockTimeoutMs?: number;
  /** Trust berth's reservation index (default true). */
  readonly useIndex?: boolean;
  readonly onDiagnostic?: (message: string) => void;
}

export interface GcReport {
  /** Addresses whose reservations were released. */
  readonly released: string[];
  /** Empty or corrupt reservation files removed. */
  readonly removedCorrupt: string[];
}

function openStore(location: HostLocalLocation, options: HostLocalOptions): Store {
  if (options.openStore !== undefined) return options.openStore(location);
  return new DiskStore(location.dataDir, location.name, {
    bootId: options.bootId,
    now: options.now,
    keepReleasesMs: location.cooldownMs,
    lockTimeoutMs: options.lockTimeoutMs,
    useIndex: options.useIndex,
    onDiagnostic: options.onDiagnostic,
  });
}

function policyOf(conf: HostLocalConfig): AllocationPolicy {
  return { network: conf.name, rangeSets: conf.rangeSets, exclude: conf.exclude, cooldownMs: conf.cooldownMs };
}

const ownerOf = (request: IpamRequest): Owner => ({ containerId: request.containerId.trim(), ifname: request.ifname });

const describeOwner = (o: Owner): string => `container ${JSON.stringify(o.containerId)} interface ${JSON.stringify(o.ifname)}`;

/** The owner's reservations, falling back to legacy container-only ones like the reference. */
function held(tx: StoreTx, owner: Owner): Reservation[] {
  const exact = tx.findByOwner(owner);
  return exact.length > 0 ? exact : tx.findLegacy(owner.containerId);
}

/** ADD: one address per range set; a repeated ADD returns the addresses already held. */
export async function hostLocalAdd(request: IpamRequest, options: HostLocalOptions = {}): Promise<IpamResult> {
  const conf = parseHostLocalConfig(request.config, request.args);
  for (const w of conf.warnings) options.onDiagnostic?.(w);
  const dns = conf.resolvConf === undefined ? undefined : readResolvConf(conf.resolvConf, conf.name);
  const owner = ownerOf(request);
  const now = (options.now ?? Date.now)();
  const allocations = openStore(conf, options).transaction((tx) => allocate(tx, policyOf(conf), owner, conf.requested, now));
  for (const a of allocations) {
    if (a.cooling) options.onDiagnostic?.(`Handed out ${formatIp(a.ip)} in network ${JSON.stringify(conf.name)} before its cool-down ended: no other address was free`);
  }
  const result: IpamResult = {
    cniVersion: conf.cniVersion || "1.0.0",
    ips: allocations.map((a) => ({ address: `${formatIp(a.ip)}/${a.range.subnet.prefix}`, gateway: formatIp(a.range.gateway) })),
  };
  if (conf.routes !== undefined) result.routes = conf.routes;
  if (dns !== undefined) result.dns = dns;
  return result;
}

/** DEL: release what (containerId, ifname) holds in this network. Nothing held is success. */
export async function hostLocalDel(request: IpamRequest, options: HostLocalOptions = {}): Promise<void> {
  const location = parseHostLocalLocation(request.config);
  openStore(location, options).transaction((tx) => releaseOwner(tx, ownerOf(request)));
}

/** Addresses of prevResult, when the request carries one. */
function prevResultIps(config: unknown): IpAddress[] {
  if (!isJsonObject(config)) return [];
  const prev = field(config, "prevResult");
  const ips = isJsonObject(prev) ? field(prev, "ips") : undefined;
  if (!Array.isArray(ips)) return [];
  const out: IpAddress[] = [];
  for (const entry of ips) {
    const address = isJsonObject(entry) ? field(entry, "address") : undefined;
    if (typeof address !== "string") continue;
    try {
      out.push(unmapIp(parseCidr(address).ip));
    } catch {
      // Not ours to judge: the main plugin validates prevResult.
    }
  }
  return out;
}

/**
 * CHECK: the attachment holds at least one reservation here and, when prevResult lists
 * addresses inside this network's ranges, each of them is reserved for this attachment.
 */
export async function hostLocalCheck(request: IpamRequest, options: HostLocalOptions = {}): Promise<void> {
  const location = parseHostLocalLocation(request.config);
  let conf: HostLocalConfig | undefined;
  try {
    conf = parseHostLocalConfig(request.config);
  } catch {
    conf = undefined; // Ranges unreadable: check only that something is reserved.
  }
  const owner = ownerOf(request);
  const net = JSON.stringify(location.name);
  openStore(location, options).transaction((tx) => {
    const mine = held(tx, owner);
    if (mine.length === 0) throw new IpamError(IpamCode.checkFailed, `No address is reserved for ${describeOwner(owner)} in network ${net}`);
    for (const ip of prevResultIps(request.config)) {
      if (conf !== undefined && !conf.rangeSets.some((set) => rangeFor(set, ip) !== undefined)) continue;
      if (!mine.some((r) => r.ip.family === ip.family && r.ip.value === ip.value)) {
        throw new IpamError(IpamCode.checkFailed, `Address ${formatIp(ip)} from prevResult is not reserved for ${describeOwner(owner)} in network ${net}`);
      }
    }
  });
}

/**
 * GC: release every reservation of this network whose attachment is not in `validAttachments`.
 * `undefined` means the runtime sent no list (no information): nothing is released. An empty
 * list releases everything. Legacy reservations (container ID only) stay while any valid
 * attachment has that container ID. Empty or corrupt reservation files are removed.
 */
export async function hostLocalGc(
  request: IpamNetworkRequest,
  validAttachments: readonly Attachment[] | undefined,
  options: HostLocalOptions = {},
): Promise<GcReport> {
  if (validAttachments === undefined) return { released: [], removedCorrupt: [] };
  const location = parseHostLocalLocation(request.config);
  const valid = new Set(validAttachments.map((a) => `${a.containerId.trim()}\n${a.ifname}`));
  const validIds = new Set(validAttachments.map((a) => a.containerId.trim()));
  const released: string[] = [];
  const failures: unknown[] = [];
  let removedCorrupt: string[] = [];
  openStore(location, options).transaction(
    (tx) => {
      for (const r of tx.list()) {
        const keep = r.ifname === undefined ? validIds.has(r.containerId) : valid.has(`${r.containerId}\n${r.ifname}`);
        if (keep) continue;
        try {
          if (tx.release(r.ip)) released.push(formatIp(r.ip));
        } catch (err) {
          failures.push(err);
        }
      }
      try {
        removedCorrupt = tx.purgeCorrupt();
      } catch (err) {
        failures.push(err);
      }
    },
    { fullScan: true },
  );
  if (failures.length > 0) {
    throw new IpamError(IpamCode.ioFailure, `Could not release ${failures.length} stale reservations of network ${JSON.stringify(location.name)}`, {
      cause: new AggregateError(failures),
    });
  }
  return { released, removedCorrupt };
}

/** STATUS: fails with code 50 when some range set has no address left to hand out. */
export async function hostLocalStatus(request: IpamNetworkRequest, options: HostLocalOptions = {}): Promise<void> {
  const conf = parseHostLocalConfig(request.config);
  const policy = policyOf(conf);
  openStore(conf, options).transaction((tx) => {
    conf.rangeSets.forEach((set, i) => {
      if (freeAddressCount(tx, policy, i) <= 0n) {
        throw new IpamError(IpamCode.unavailable, `Pool exhausted: no free address in ${describeRangeSet(set)} of network ${JSON.stringify(conf.name)}`);
      }
    });
  });
}

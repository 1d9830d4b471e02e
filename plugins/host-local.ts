/**
 * host-local: the reference IPAM plugin's drop-in (same keys, same on-disk store), on berth's
 * allocator (ipam/host-local). A network config without `ranges` or `subnet` gets its subnet
 * chosen automatically from RFC 1918 pools (ipam/auto): the first one that overlaps no address,
 * route or nameserver of the host nor another network, recorded and reused from then on.
 */
import { capabilities, cniError, CniErrorCode, getCI, type NetConf, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import { formatCidr } from "../lib/ip/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { hostInUse } from "../ipam/auto/host-usage.ts";
import { DEFAULT_POOLS_V4, DEFAULT_POOLS_V6, parsePools, type PoolSpec } from "../ipam/auto/pools.ts";
import { NoFreeSubnetError, SubnetRegistry, type Family } from "../ipam/auto/registry.ts";
import {
  hostLocalAdd,
  hostLocalCheck,
  hostLocalDel,
  hostLocalGc,
  hostLocalStatus,
  parseHostLocalLocation,
  type HostLocalOptions,
} from "../ipam/host-local/index.ts";
import type { IpamRequest } from "../ipam/shared/types.ts";

function options(ctx: PluginContext<NetConf>): HostLocalOptions {
  return { onDiagnostic: (message) => ctx.log.warn(message) };
}

function request(ctx: PluginContext<NetConf>, config: NetConf = ctx.raw): IpamRequest {
  return { config, containerId: ctx.env.containerId ?? "", ifname: ctx.env.ifname ?? "", args: ctx.env.args };
}

/** True when the config names no subnet at all: no ranges, no legacy subnet, no ipRanges capability. */
function wantsAutomaticSubnet(conf: NetConf): boolean {
  const ipam = conf.ipam ?? {};
  const ranges = getCI(ipam, "ranges");
  const subnet = getCI(ipam, "subnet");
  return (
    (!Array.isArray(ranges) || ranges.length === 0) &&
    (subnet === undefined || subnet === "") &&
    capabilities.ipRanges(conf.runtimeConfig).length === 0
  );
}

function readPools(conf: NetConf, family: Family): { base: ReturnType<typeof parsePools>[number]["base"]; size: number }[] {
  const ipam = conf.ipam ?? {};
  const configured = getCI(ipam, "pools");
  const prefix = getCI(ipam, "poolPrefixLength");
  const specs: PoolSpec[] = Array.isArray(configured)
    ? (configured as PoolSpec[]).filter((p) => (p.base.includes(":") ? "v6" : "v4") === family)
    : [...(family === "v4" ? DEFAULT_POOLS_V4 : DEFAULT_POOLS_V6)];
  try {
    return parsePools(specs, family === "v4" && typeof prefix === "number" ? prefix : undefined);
  } catch (cause) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid ipam.pools", (cause as Error).message, { cause });
  }
}

/** The config with `ranges` filled from the network's automatic subnet(s). */
function withAutomaticRanges(ctx: PluginContext<NetConf>): NetConf {
  const conf = ctx.raw;
  const location = parseHostLocalLocation(conf);
  const registry = new SubnetRegistry(`${location.dataDir}/.berth-subnets`);
  const families: Family[] = getCI(conf.ipam, "ipv6") === true ? ["v4", "v6"] : ["v4"];
  let inUse: ReturnType<typeof hostInUse> | undefined;
  const hostUsage = () => {
    if (inUse === undefined) {
      using handle = openHandle();
      inUse = hostInUse(handle);
    }
    return inUse;
  };
  const ranges = families.map((family) => {
    try {
      const got = registry.subnetFor(conf.name, family, readPools(conf, family), hostUsage);
      for (const r of got.rejected) ctx.log.info({ network: conf.name, candidate: r.subnet }, `Subnet ${r.subnet} rejected: ${r.reason}`);
      if (!got.reused) ctx.log.info({ network: conf.name, subnet: formatCidr(got.subnet) }, `Chose subnet ${formatCidr(got.subnet)} for network "${conf.name}"`);
      return [{ subnet: formatCidr(got.subnet) }];
    } catch (err) {
      if (err instanceof NoFreeSubnetError) {
        for (const r of err.rejected) ctx.log.warn({ network: conf.name, candidate: r.subnet }, `Subnet ${r.subnet} rejected: ${r.reason}`);
        throw cniError(CniErrorCode.INVALID_CONFIG, err.message, undefined, { cause: err });
      }
      throw err;
    }
  });
  return { ...conf, ipam: { ...conf.ipam, ranges } };
}

export const plugin: Plugin<NetConf> = {
  name: "host-local",
  parseConfig: (raw) => raw,

  async add(ctx) {
    const config = wantsAutomaticSubnet(ctx.raw) ? withAutomaticRanges(ctx) : ctx.raw;
    return (await hostLocalAdd(request(ctx, config), options(ctx))) as Result;
  },

  async del(ctx) {
    await hostLocalDel(request(ctx), options(ctx));
  },

  async check(ctx) {
    await hostLocalCheck(request(ctx), options(ctx));
  },

  async gc(ctx) {
    const valid = ctx.validAttachments?.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
    const report = await hostLocalGc({ config: ctx.raw, args: ctx.env.args }, valid, options(ctx));
    if (report.released.length > 0) ctx.log.info({ released: report.released }, "GC released stale reservations");
  },

  async status(ctx) {
    const config = wantsAutomaticSubnet(ctx.raw) ? withAutomaticRanges(ctx) : ctx.raw;
    await hostLocalStatus({ config, args: ctx.env.args }, options(ctx));
  },
};

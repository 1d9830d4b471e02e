/**
 * static IPAM configuration, resolved like the reference plugin:
 *   1. `ipam.addresses` [{address: CIDR, gateway?}];
 *   2. CNI_ARGS `IP=` (comma-separated CIDRs) is appended, then each CNI_ARGS `GATEWAY=`
 *      address becomes the gateway of every address whose subnet holds it;
 *   3. `args.cni.ips` replaces the list; 4. `runtimeConfig.ips` replaces it (highest priority).
 * Addresses keep their host part ("10.10.0.1/24").
 */
import { cidrContains, formatCidr, formatIp, isIpv4Mapped } from "../../lib/ip/index.ts";
import type { Cidr, IpAddress } from "../../lib/ip/index.ts";
import { IpamConfigError } from "../shared/errors.ts";
import { field } from "../shared/json.ts";
import type { ConfigReader, JsonObject } from "../shared/json.ts";
import { readNetConfBase, readRoutes, versionAtLeast } from "../shared/netconf.ts";
import type { IpamDns, IpamRoute } from "../shared/types.ts";

export interface StaticAddress {
  readonly address: Cidr;
  readonly gateway: IpAddress | undefined;
}

export interface StaticConfig {
  readonly name: string;
  readonly cniVersion: string;
  readonly addresses: readonly StaticAddress[];
  readonly routes: IpamRoute[] | undefined;
  readonly dns: IpamDns | undefined;
}

function address(reader: ConfigReader, value: unknown, path: string): Cidr {
  const c = reader.cidr(value, path);
  if (isIpv4Mapped(c.ip)) reader.fail(path, `${formatCidr(c)} is an IPv4-mapped IPv6 address; write it as IPv4`);
  return c;
}

function readDns(reader: ConfigReader, ipam: JsonObject): IpamDns | undefined {
  const obj = reader.object(ipam, "dns", "ipam.dns");
  if (obj === undefined) return undefined;
  const list = (key: string): string[] | undefined => {
    const arr = reader.array(obj, key, `ipam.dns.${key}`);
    arr?.forEach((v, i) => typeof v !== "string" && reader.fail(`ipam.dns.${key}[${i}]`, "expected a string"));
    return arr as string[] | undefined;
  };
  const dns: IpamDns = {};
  const nameservers = list("nameservers");
  const domain = reader.string(obj, "domain", "ipam.dns.domain");
  const search = list("search");
  const options = list("options");
  if (nameservers !== undefined && nameservers.length > 0) dns.nameservers = nameservers;
  if (domain !== undefined && domain !== "") dns.domain = domain;
  if (search !== undefined && search.length > 0) dns.search = search;
  if (options !== undefined && options.length > 0) dns.options = options;
  return Object.keys(dns).length > 0 ? dns : undefined;
}

export function parseStaticConfig(config: unknown, cniArgs?: ReadonlyMap<string, string>): StaticConfig {
  const base = readNetConfBase(config);
  const { reader, ipam, root, name } = base;

  const configured = reader.array(ipam, "addresses", "ipam.addresses") ?? [];
  let addresses: { address: Cidr; gateway: IpAddress | undefined }[] = configured.map((item, i) => {
    const path = `ipam.addresses[${i}]`;
    const obj = reader.element(item, path);
    const raw = field(obj, "address");
    if (raw === undefined || raw === null || raw === "") reader.fail(`${path}.address`, "missing");
    const gw = field(obj, "gateway");
    const gateway = gw === undefined || gw === null || gw === "" ? undefined : reader.ip(gw, `${path}.gateway`);
    return { address: address(reader, raw, `${path}.address`), gateway };
  });

  const envIp = cniArgs?.get("IP");
  if (envIp !== undefined && envIp !== "") {
    envIp.split(",").forEach((part, i) => {
      addresses.push({ address: address(reader, part.trim(), `CNI_ARGS IP[${i}]`), gateway: undefined });
    });
  }
  const envGw = cniArgs?.get("GATEWAY");
  if (envGw !== undefined && envGw !== "") {
    envGw.split(",").forEach((part, i) => {
      const gw = reader.ip(part.trim(), `CNI_ARGS GATEWAY[${i}]`);
      for (const a of addresses) if (cidrContains(a.address, gw)) a.gateway = gw;
    });
  }

  const replaceWith = (list: unknown[] | undefined, path: string): void => {
    if (list === undefined || list.length === 0) return;
    addresses = list.map((v, i) => ({ address: address(reader, v, `${path}[${i}]`), gateway: undefined }));
  };
  const args = reader.object(root, "args", "args");
  const cni = args && reader.object(args, "cni", "args.cni");
  replaceWith(cni && reader.array(cni, "ips", "args.cni.ips"), "args.cni.ips");
  const rc = reader.object(root, "runtimeConfig", "runtimeConfig");
  replaceWith(rc && reader.array(rc, "ips", "runtimeConfig.ips"), "runtimeConfig.ips");

  const v4 = addresses.filter((a) => a.address.ip.family === 4).length;
  if ((v4 > 1 || addresses.length - v4 > 1) && !versionAtLeast(base.cniVersion, "0.3.0")) {
    throw new IpamConfigError(`CNI version ${JSON.stringify(base.cniVersion)} does not support more than one address per family (network ${JSON.stringify(name)})`);
  }
  for (const a of addresses) {
    if (a.gateway !== undefined && a.gateway.family !== a.address.ip.family) {
      throw new IpamConfigError(`Gateway ${formatIp(a.gateway)} of address ${formatCidr(a.address)} in network ${JSON.stringify(name)} is of another address family`);
    }
  }
  return { name, cniVersion: base.cniVersion, addresses, routes: readRoutes(reader, ipam), dns: readDns(reader, ipam) };
}

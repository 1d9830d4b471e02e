/**
 * static IPAM operations. Stateless: ADD returns the configured addresses, DEL does nothing,
 * CHECK compares the configuration with prevResult.
 */
import { formatCidr, formatIp, ipEquals, parseCidr, parseIp, unmapIp } from "../../lib/ip/index.ts";
import type { IpAddress } from "../../lib/ip/index.ts";
import { IpamCode, IpamConfigError, IpamError } from "../shared/errors.ts";
import { field, isJsonObject } from "../shared/json.ts";
import type { IpamRequest, IpamResult } from "../shared/types.ts";
import { parseStaticConfig } from "./config.ts";

export async function staticAdd(request: IpamRequest): Promise<IpamResult> {
  const conf = parseStaticConfig(request.config, request.args);
  const result: IpamResult = {
    cniVersion: conf.cniVersion || "1.0.0",
    ips: conf.addresses.map((a) =>
      a.gateway === undefined ? { address: formatCidr(a.address) } : { address: formatCidr(a.address), gateway: formatIp(a.gateway) },
    ),
  };
  if (conf.routes !== undefined) result.routes = conf.routes;
  if (conf.dns !== undefined) result.dns = conf.dns;
  return result;
}

/** Nothing was allocated, so nothing is released. The configuration is not even read. */
export async function staticDel(_request: IpamRequest): Promise<void> {}

function parseOr<T>(text: unknown, parse: (t: string) => T): T | undefined {
  if (typeof text !== "string") return undefined;
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

/**
 * CHECK: every configured address must be in prevResult, and where a gateway is configured,
 * prevResult must carry the same one. (The reference skips addresses missing from prevResult.)
 */
export async function staticCheck(request: IpamRequest): Promise<void> {
  const conf = parseStaticConfig(request.config, request.args);
  const net = JSON.stringify(conf.name);
  const prev = isJsonObject(request.config) ? field(request.config, "prevResult") : undefined;
  if (!isJsonObject(prev)) throw new IpamConfigError(`Missing prevResult for CHECK of network ${net}`);
  const ips = field(prev, "ips");
  const entries: { ip: IpAddress; gateway: IpAddress | undefined }[] = [];
  for (const e of Array.isArray(ips) ? ips : []) {
    if (!isJsonObject(e)) continue;
    const cidr = parseOr(field(e, "address"), parseCidr);
    if (cidr !== undefined) entries.push({ ip: unmapIp(cidr.ip), gateway: parseOr(field(e, "gateway"), (t) => unmapIp(parseIp(t))) });
  }
  for (const a of conf.addresses) {
    const found = entries.find((e) => ipEquals(e.ip, unmapIp(a.address.ip)));
    const where = `interface ${JSON.stringify(request.ifname)} of network ${net}`;
    if (found === undefined) throw new IpamError(IpamCode.checkFailed, `Address ${formatCidr(a.address)} is missing from prevResult of ${where}`);
    if (a.gateway !== undefined && (found.gateway === undefined || !ipEquals(found.gateway, a.gateway))) {
      const got = found.gateway === undefined ? "none" : formatIp(found.gateway);
      throw new IpamError(IpamCode.checkFailed, `Address ${formatCidr(a.address)} of ${where} has gateway ${got} in prevResult, expected ${formatIp(a.gateway)}`);
    }
  }
}

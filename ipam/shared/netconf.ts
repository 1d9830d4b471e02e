/**
 * The parts of a network configuration every IPAM plugin reads: the name, the spec version,
 * the `ipam` section and `routes`.
 */
import { formatCidr, formatIp } from "../../lib/ip/index.ts";
import { IpamConfigError } from "./errors.ts";
import { ConfigReader, field, isJsonObject } from "./json.ts";
import type { JsonObject } from "./json.ts";
import type { IpamRoute } from "./types.ts";

/** The spec's network name rule; it also keeps the name safe as a directory name. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface NetConfBase {
  readonly name: string;
  readonly cniVersion: string;
  readonly ipam: JsonObject;
  readonly reader: ConfigReader;
  readonly root: JsonObject;
}

/** Check the top level: an object with a valid `name` and an `ipam` object. */
export function readNetConfBase(config: unknown): NetConfBase {
  if (!isJsonObject(config)) throw new IpamConfigError("Invalid network configuration: expected a JSON object");
  const name = field(config, "name");
  if (typeof name !== "string" || name === "") throw new IpamConfigError("Invalid network configuration: missing \"name\"");
  if (!NETWORK_NAME.test(name)) {
    throw new IpamConfigError(`Invalid network name ${JSON.stringify(name)}: use letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  const reader = new ConfigReader(name);
  const ipam = reader.object(config, "ipam", "ipam");
  if (ipam === undefined) throw new IpamConfigError(`Missing "ipam" section in network ${JSON.stringify(name)}`);
  const cniVersion = reader.string(config, "cniVersion", "cniVersion") ?? "";
  return { name, cniVersion, ipam, reader, root: config };
}

/** True when `version` is a dotted version at least `min` ("" and junk are below everything). */
export function versionAtLeast(version: string, min: string): boolean {
  const parse = (v: string): number[] | undefined =>
    /^\d+\.\d+\.\d+$/.test(v) ? v.split(".").map(Number) : undefined;
  const a = parse(version);
  const b = parse(min);
  if (a === undefined || b === undefined) return false;
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** `routes` from an ipam section: [{dst, gw?, mtu?, advmss?, priority?, table?, scope?}]. */
export function readRoutes(reader: ConfigReader, ipam: JsonObject): IpamRoute[] | undefined {
  const list = reader.array(ipam, "routes", "ipam.routes");
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    const path = `ipam.routes[${i}]`;
    const obj = reader.element(item, path);
    const dst = field(obj, "dst");
    if (dst === undefined || dst === null) reader.fail(`${path}.dst`, "missing");
    const route: IpamRoute = { dst: formatCidr(reader.cidr(dst, `${path}.dst`)) };
    const gw = field(obj, "gw");
    if (gw !== undefined && gw !== null && gw !== "") route.gw = formatIp(reader.ip(gw, `${path}.gw`));
    for (const key of ["mtu", "advmss", "priority", "table", "scope"] as const) {
      const v = reader.integer(obj, key, `${path}.${key}`);
      if (v !== undefined) route[key] = v;
    }
    return route;
  });
}

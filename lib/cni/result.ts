/**
 * Results across spec versions. Internally berth works with 1.x results; conversion to
 * 0.3.0/0.3.1/0.4.0 adds ips[].version and drops the 1.1 interface fields, conversion from 0.x
 * drops ips[].version. 1.0.0 and 1.1.0 differ only in the label: like Go's libcni, the 1.1-only
 * fields (interfaces[].mtu, routes[].table ...) are kept when answering 1.0.0 (1.0 readers ignore
 * unknown keys). Unknown fields are always preserved.
 */
import { CniErrorCode, cniError } from "./errors.ts";
import type { Result, ResultIp } from "./types.ts";
import { isV1 } from "./version.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "4" or "6" for an address as Go decides it: IPv4 and IPv4-mapped IPv6 are "4". */
export function ipVersionOf(address: string): "4" | "6" {
  const ip = address.split("/")[0] ?? "";
  if (!ip.includes(":")) return "4";
  return /^::ffff:(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.test(ip) ? "4" : "6";
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Validate the shape of a result (ours or a prevResult) and return it as a 1.x result. */
export function normalizeResult(raw: unknown, what = "result"): Result {
  if (!isObject(raw)) throw cniError(CniErrorCode.DECODE, `Cannot decode ${what}`, "it is not a JSON object");
  const out: Result = { ...raw, cniVersion: typeof raw.cniVersion === "string" ? raw.cniVersion : "" };
  for (const key of ["interfaces", "ips", "routes"] as const) {
    const list = raw[key];
    if (list === undefined || list === null) {
      delete out[key];
      continue;
    }
    if (!Array.isArray(list) || !list.every(isObject)) {
      throw cniError(CniErrorCode.DECODE, `Cannot decode ${what}`, `"${key}" must be an array of objects`);
    }
  }
  if (out.ips) {
    out.ips = (raw.ips as Record<string, unknown>[]).map((ip, i) => {
      if (typeof ip.address !== "string") {
        throw cniError(CniErrorCode.DECODE, `Cannot decode ${what}`, `ips[${i}].address must be a CIDR string`);
      }
      const { version: _v, ...rest } = ip;
      return rest as ResultIp;
    });
  }
  if (out.routes) {
    for (const [i, r] of (out.routes as unknown as Record<string, unknown>[]).entries()) {
      if (typeof r.dst !== "string") {
        throw cniError(CniErrorCode.DECODE, `Cannot decode ${what}`, `routes[${i}].dst must be a CIDR string`);
      }
    }
  }
  if (out.dns !== undefined && !isObject(out.dns)) {
    throw cniError(CniErrorCode.DECODE, `Cannot decode ${what}`, `"dns" must be an object`);
  }
  return out;
}

function emptyDns(dns: unknown): boolean {
  return isObject(dns) && Object.values(dns).every((v) => v === undefined || (Array.isArray(v) ? v.length === 0 : v === ""));
}

/** A 1.x result expressed in `version`. */
export function convertResult(result: Result, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result, cniVersion: version };
  if (isV1(version)) {
    if (result.ips) out.ips = result.ips.map((ip) => dropUndefined({ ...ip, version: undefined }));
    if (result.dns !== undefined && emptyDns(result.dns)) delete out.dns;
  } else {
    if (result.ips) out.ips = result.ips.map((ip) => dropUndefined({ ...ip, version: ipVersionOf(ip.address) }));
    if (result.interfaces) {
      out.interfaces = result.interfaces.map((itf) =>
        dropUndefined({ ...itf, mtu: undefined, socketPath: undefined, pciID: undefined }),
      );
    }
  }
  for (const key of ["interfaces", "ips", "routes"] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Record<string, unknown>[]).map((o) => dropUndefined({ ...o }));
  }
  return dropUndefined(out);
}

/** The JSON text of a result in `version`, as printed on stdout. */
export function formatResult(result: Result, version: string): string {
  return JSON.stringify(convertResult(result, version));
}

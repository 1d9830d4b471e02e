/**
 * ADD results across spec versions. In memory berth holds 1.x results; on the wire they take
 * the form of the request's version:
 *
 * - to 0.3.0/0.3.1/0.4.0: `ips[].version` is added ("4" for IPv4 and IPv4-mapped IPv6, as Go
 *   decides it) and the 1.1 interface fields `mtu`, `socketPath` and `pciID` are dropped;
 * - from 0.3.x/0.4.0: `ips[].version` is dropped;
 * - between 1.0.0 and 1.1.0 only the label changes. Like Go's libcni, the 1.1-only fields
 *   (interfaces[].mtu, routes[].table ...) are kept in a 1.0.0 answer: 1.0 readers ignore
 *   unknown keys, and dropping them would lose information further down a chain.
 *
 * Unknown keys are always kept. `interface: 0` is a real index and is always written; keys whose
 * value is undefined are left out. An empty `dns` is left out of 1.x output, as Go does.
 */
import { isIpv4Mapped, tryParseIp } from "../ip/address.ts";
import { CniErrorCode, cniError } from "./errors.ts";
import type { NetConf, Result, ResultInterface, ResultIp, ResultRoute } from "./types.ts";
import { SUPPORTED_VERSIONS, isSupportedVersion, isV1 } from "./version.ts";

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "4" or "6" for an address, with or without prefix: IPv4 and IPv4-mapped IPv6 are "4". */
export function ipVersionOf(address: string): "4" | "6" {
  const host = address.split("/")[0] ?? "";
  const ip = tryParseIp(host);
  if (ip === undefined) return host.includes(":") ? "6" : "4";
  return ip.family === 4 || isIpv4Mapped(ip) ? "4" : "6";
}

function isIp(text: unknown): boolean {
  return typeof text === "string" && tryParseIp(text) !== undefined;
}

/** "address/prefix" with a prefix that fits the family (host bits may be set). */
function isCidr(text: unknown): boolean {
  if (typeof text !== "string") return false;
  const slash = text.indexOf("/");
  if (slash < 0) return false;
  const ip = tryParseIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (ip.family === 4 ? 32 : 128);
}

const isUint = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Throws the decode error for one bad field; `code` is 6 for input, 999 for berth's own output. */
type Fail = (detail: string) => never;

function checkOptional(o: Obj, at: string, fail: Fail, key: string, ok: (v: unknown) => boolean, want: string): void {
  const v = o[key];
  if (v !== undefined && !ok(v)) fail(`${at}.${key} must be ${want}, got ${JSON.stringify(v)}`);
}

function checkInterface(o: Obj, at: string, fail: Fail): void {
  if (typeof o.name !== "string") fail(`${at}.name must be a string`);
  for (const key of ["mac", "sandbox", "socketPath", "pciID"]) checkOptional(o, at, fail, key, (v) => typeof v === "string", "a string");
  checkOptional(o, at, fail, "mtu", isUint, "an unsigned integer");
}

function checkIp(o: Obj, at: string, fail: Fail): void {
  if (!isCidr(o.address)) fail(`${at}.address must be an address with a prefix length such as "10.1.0.5/16", got ${JSON.stringify(o.address)}`);
  checkOptional(o, at, fail, "gateway", isIp, "an IP address");
  // Any integer: spec-upgrades.md warns that some plugins write -1; readers bounds-check.
  checkOptional(o, at, fail, "interface", Number.isInteger, "an integer index into interfaces");
}

function checkRoute(o: Obj, at: string, fail: Fail): void {
  if (!isCidr(o.dst)) fail(`${at}.dst must be a destination such as "0.0.0.0/0", got ${JSON.stringify(o.dst)}`);
  checkOptional(o, at, fail, "gw", isIp, "an IP address");
  for (const key of ["mtu", "advmss", "priority", "table", "scope"]) checkOptional(o, at, fail, key, isUint, "an unsigned integer");
}

function checkDns(o: Obj, fail: Fail): void {
  for (const key of ["nameservers", "search", "options"]) checkOptional(o, "dns", fail, key, isStringList, "a list of strings");
  checkOptional(o, "dns", fail, "domain", (v) => typeof v === "string", "a string");
}

function checkList(raw: Obj, key: string, fail: Fail, check: (o: Obj, at: string, fail: Fail) => void): Obj[] | undefined {
  const list = raw[key];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) fail(`${key} must be a list`);
  return list.map((entry: unknown, i) => {
    if (!isObject(entry)) fail(`${key}[${i}] must be an object`);
    check(entry, `${key}[${i}]`, fail);
    return { ...entry };
  });
}

/**
 * Check the shape of a result in any supported version and return it in 1.x form (copies, with
 * `ips[].version` removed and unknown keys kept). Failures carry `code`: 6 (decode) for results
 * read from outside, 999 (internal) for a result berth itself produced.
 */
export function normalizeResult(raw: unknown, what = "result", code: number = CniErrorCode.DECODE): Result {
  const fail: Fail = (detail) => {
    throw cniError(code, `Invalid ${what}`, detail);
  };
  if (!isObject(raw)) fail(`it must be a JSON object, got ${raw === null ? "null" : Array.isArray(raw) ? "a list" : typeof raw}`);
  if (raw.cniVersion !== undefined && typeof raw.cniVersion !== "string") fail("cniVersion must be a string");
  const out: Result = { ...raw, cniVersion: typeof raw.cniVersion === "string" ? raw.cniVersion : "" };
  const interfaces = checkList(raw, "interfaces", fail, checkInterface);
  const ips = checkList(raw, "ips", fail, checkIp);
  const routes = checkList(raw, "routes", fail, checkRoute);
  delete out.interfaces;
  delete out.ips;
  delete out.routes;
  if (interfaces !== undefined) out.interfaces = interfaces as ResultInterface[];
  if (ips !== undefined) {
    out.ips = ips.map(({ version: _dropped, ...rest }) => rest as ResultIp);
  }
  if (routes !== undefined) out.routes = routes as ResultRoute[];
  if (raw.dns === null) delete out.dns;
  else if (raw.dns !== undefined) {
    if (!isObject(raw.dns)) fail("dns must be an object");
    checkDns(raw.dns, fail);
    out.dns = { ...raw.dns };
  }
  return out;
}

function withoutUndefined(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function isEmptyDns(dns: unknown): boolean {
  return isObject(dns) && Object.values(dns).every((v) => v === undefined || v === "" || (Array.isArray(v) && v.length === 0));
}

/**
 * `result` (any supported version, validated) expressed in `toVersion`, as a plain object ready
 * for JSON. Code 1 when `toVersion` is not a version berth can write.
 */
export function convertResult(result: unknown, toVersion: string): Obj {
  if (!isSupportedVersion(toVersion)) {
    throw cniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      `Cannot write a result in CNI version ${JSON.stringify(toVersion)}`,
      `berth writes results in [${SUPPORTED_VERSIONS.map((v) => JSON.stringify(v)).join(" ")}]`,
    );
  }
  const r = normalizeResult(result);
  const v1 = isV1(toVersion);
  const out: Obj = withoutUndefined({ ...r, cniVersion: toVersion });
  if (r.interfaces) {
    out.interfaces = r.interfaces.map((itf) =>
      withoutUndefined(v1 ? itf : { ...itf, mtu: undefined, socketPath: undefined, pciID: undefined }),
    );
  }
  if (r.ips) out.ips = r.ips.map((ip) => withoutUndefined(v1 ? ip : { ...ip, version: ipVersionOf(ip.address) }));
  if (r.routes) out.routes = r.routes.map(withoutUndefined);
  if (r.dns !== undefined) {
    if (v1 && isEmptyDns(r.dns)) delete out.dns;
    else out.dns = withoutUndefined(r.dns as Obj);
  }
  return out;
}

/** The JSON text of `result` in `version`, as printed on stdout. */
export function formatResult(result: unknown, version: string): string {
  return JSON.stringify(convertResult(result, version));
}

/**
 * The config's prevResult in 1.x form, or undefined when there is none. Like Go, it is read as a
 * result of the config's version whatever its own label says; the label is kept when present.
 * Code 6 when it is not a valid result.
 */
export function parsePrevResult(conf: Pick<NetConf, "cniVersion" | "prevResult">): Result | undefined {
  if (conf.prevResult === undefined || conf.prevResult === null) return undefined;
  const result = normalizeResult(conf.prevResult, "prevResult");
  if (result.cniVersion === "") result.cniVersion = conf.cniVersion;
  return result;
}

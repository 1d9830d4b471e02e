/**
 * Reading untyped configuration JSON the way Go plugins do: a key matches exactly or, failing
 * that, case-insensitively (containerd sends PascalCase capability payloads), and null counts
 * as absent. Type errors become IpamConfigError naming the key path and the network.
 */
import { parseCidr, parseIp, unmapIp } from "../../lib/ip/index.ts";
import type { Cidr, IpAddress } from "../../lib/ip/index.ts";
import { IpamConfigError } from "./errors.ts";

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value under `key`: the exact key first, else the first case-insensitive match. */
export function field(obj: JsonObject, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** Typed readers that throw IpamConfigError with the key path and the network name. */
export class ConfigReader {
  readonly network: string;
  constructor(network: string) {
    this.network = network;
  }

  fail(path: string, reason: string, cause?: unknown): never {
    const where = this.network === "" ? "" : ` in network ${JSON.stringify(this.network)}`;
    throw new IpamConfigError(`Invalid ${path}${where}: ${reason}`, cause === undefined ? undefined : { cause });
  }

  string(obj: JsonObject, key: string, path: string): string | undefined {
    const v = field(obj, key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(path, `expected a string, got ${kind(v)}`);
    return v;
  }

  number(obj: JsonObject, key: string, path: string): number | undefined {
    const v = field(obj, key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(path, `expected a number, got ${kind(v)}`);
    return v;
  }

  integer(obj: JsonObject, key: string, path: string): number | undefined {
    const v = this.number(obj, key, path);
    if (v !== undefined && !Number.isInteger(v)) this.fail(path, `expected an integer, got ${v}`);
    return v;
  }

  array(obj: JsonObject, key: string, path: string): unknown[] | undefined {
    const v = field(obj, key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(path, `expected an array, got ${kind(v)}`);
    return v;
  }

  object(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const v = field(obj, key);
    if (v === undefined || v === null) return undefined;
    if (!isJsonObject(v)) this.fail(path, `expected an object, got ${kind(v)}`);
    return v;
  }

  /** An element of an array that must be an object. */
  element(value: unknown, path: string): JsonObject {
    if (!isJsonObject(value)) this.fail(path, `expected an object, got ${kind(value)}`);
    return value;
  }

  /** An IP address in Go's canonical form (IPv4-mapped IPv6 becomes IPv4). */
  ip(value: unknown, path: string): IpAddress {
    if (typeof value !== "string") this.fail(path, `expected an IP address string, got ${kind(value)}`);
    try {
      return unmapIp(parseIp(value));
    } catch (err) {
      return this.fail(path, `${JSON.stringify(value)} is not an IP address`, err);
    }
  }

  /** An "address/prefix" string. */
  cidr(value: unknown, path: string): Cidr {
    if (typeof value !== "string") this.fail(path, `expected a CIDR string, got ${kind(value)}`);
    try {
      return parseCidr(value);
    } catch (err) {
      return this.fail(path, `${JSON.stringify(value)} is not in CIDR notation`, err);
    }
  }

  /** An address with an optional prefix ("10.1.0.5" or "10.1.0.5/24"); the prefix is dropped. */
  ipMaybePrefixed(value: unknown, path: string): IpAddress {
    if (typeof value === "string" && value.includes("/")) return unmapIp(this.cidr(value, path).ip);
    return this.ip(value, path);
  }
}

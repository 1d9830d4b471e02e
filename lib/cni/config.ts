/**
 * The network configuration on stdin: decoded (code 6), checked for what every plugin relies
 * on (code 7: name, type, ipam.type), and otherwise passed through with every key kept. Unknown
 * keys, `capabilities` included, are never rejected: runtimes add their own (CFG-10, PIT-16).
 * The version itself is checked afterwards by the skel (code 1), as the Go skel orders it.
 */
import { CONTAINER_ID_PATTERN } from "./env.ts";
import { CniErrorCode, cniError } from "./errors.ts";
import type { GcAttachment, NetConf } from "./types.ts";
import { parseVersion } from "./version.ts";

/** Network names follow the container ID rule. */
export const NETWORK_NAME_PATTERN = CONTAINER_ID_PATTERN;

/** What libcni assumes for a configuration without cniVersion; berth does not speak it. */
export const IMPLIED_VERSION = "0.1.0";

const DECODE_FAILED = "failed to decode network configuration";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A plugin file name: a non-empty string with no path separator. */
function checkPluginName(value: unknown, key: string): void {
  if (typeof value !== "string" || value === "") {
    throw cniError(CniErrorCode.INVALID_CONFIG, `Missing ${key}`, `${key} must name a plugin, got ${JSON.stringify(value) ?? "nothing"}`);
  }
  if (value.includes("/") || value.includes("\\")) {
    throw cniError(CniErrorCode.INVALID_CONFIG, `Invalid ${key} ${JSON.stringify(value)}: must not contain a path separator`);
  }
}

/** The decoded stdin object; code 6 for empty input, bad JSON, or JSON that is not an object. */
function decode(bytes: Uint8Array): Record<string, unknown> {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") {
    throw cniError(CniErrorCode.DECODE, "missing network configuration on stdin", "stdin is empty: the runtime must write the configuration as JSON");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw cniError(CniErrorCode.DECODE, DECODE_FAILED, (cause as Error).message, { cause });
  }
  if (!isObject(raw)) {
    throw cniError(CniErrorCode.DECODE, DECODE_FAILED, `it must be a JSON object, got ${Array.isArray(raw) ? "a list" : JSON.stringify(raw)}`);
  }
  return raw;
}

/**
 * Decode and check the request configuration. A missing cniVersion reads as "0.1.0" (libcni's
 * reading), which then fails the version check with code 1.
 */
export function parseNetConf(bytes: Uint8Array): NetConf {
  const raw = decode(bytes);
  if (raw.cniVersion !== undefined && typeof raw.cniVersion !== "string") {
    throw cniError(CniErrorCode.DECODE, DECODE_FAILED, `cniVersion must be a string, got ${JSON.stringify(raw.cniVersion)}`);
  }
  const cniVersion = raw.cniVersion === undefined || raw.cniVersion === "" ? IMPLIED_VERSION : raw.cniVersion;

  const name = raw.name;
  if (name === undefined || name === null || name === "") throw cniError(CniErrorCode.INVALID_CONFIG, "missing network name");
  if (typeof name !== "string" || !NETWORK_NAME_PATTERN.test(name)) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid characters found in network name", typeof name === "string" ? name : JSON.stringify(name));
  }
  checkPluginName(raw.type, "type");
  if (raw.ipam !== undefined && raw.ipam !== null) {
    if (!isObject(raw.ipam)) throw cniError(CniErrorCode.INVALID_CONFIG, "Invalid ipam", `ipam must be an object, got ${JSON.stringify(raw.ipam)}`);
    if (raw.ipam.type !== undefined) checkPluginName(raw.ipam.type, "ipam.type");
  }
  return { ...raw, cniVersion, name, type: raw.type as string };
}

/**
 * The cniVersion of a request, best effort (for the error JSON when decoding failed part-way):
 * undefined unless stdin is a JSON object with a well-formed version.
 */
export function peekVersion(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    const raw: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const v = isObject(raw) ? raw.cniVersion : undefined;
    return typeof v === "string" && parseVersion(v) !== undefined ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GC's attachments that are still valid: `cni.dev/valid-attachments`, falling back to
 * `cni.dev/attachments` (the spec-v1.1.0 text; libcni sends both). Undefined when neither key
 * is present, meaning "no information": collect nothing. An explicit [] means every attachment
 * of this network is stale. A malformed list is code 6 rather than a guess, because a wrong
 * guess here destroys live attachments.
 */
export function validAttachments(conf: Record<string, unknown>): GcAttachment[] | undefined {
  const key = conf["cni.dev/valid-attachments"] !== undefined ? "cni.dev/valid-attachments" : "cni.dev/attachments";
  const list = conf[key];
  // null is what libcni sends for a Go nil slice: read it, like a missing key, as "no information"
  // (collect nothing) rather than as "nothing is valid", which would tear down live attachments.
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw cniError(CniErrorCode.DECODE, `Invalid ${key}`, `it must be a list, got ${JSON.stringify(list)}`);
  return list.map((a: unknown, i) => {
    if (!isObject(a) || typeof a.containerID !== "string" || typeof a.ifname !== "string") {
      throw cniError(CniErrorCode.DECODE, `Invalid ${key}`, `entry ${i} must be {"containerID": string, "ifname": string}, got ${JSON.stringify(a)}`);
    }
    return { containerID: a.containerID, ifname: a.ifname };
  });
}

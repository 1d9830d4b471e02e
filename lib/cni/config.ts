/**
 * The network configuration on stdin: decoded, checked for what every plugin needs
 * (cniVersion, name, type), and otherwise passed through with every unknown key kept.
 */
import { CniErrorCode, cniError } from "./errors.ts";
import type { GcAttachment, NetConf } from "./types.ts";

export const NETWORK_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkTypeName(value: unknown, key: string): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value === "" || value.includes("/") || value.includes("\\")) {
    throw cniError(CniErrorCode.INVALID_CONFIG, `invalid ${key}`, `${key} must be a plugin file name without path separators, got ${JSON.stringify(value)}`);
  }
}

/** Decode stdin; code 6 for anything that is not a JSON object, 7 for a bad name or type. */
export function parseNetConf(bytes: Uint8Array): NetConf {
  const text = Buffer.from(bytes).toString("utf8");
  if (text.trim() === "") {
    throw cniError(CniErrorCode.DECODE, "failed to decode network configuration", "stdin is empty: the runtime must pass the network configuration as JSON");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw cniError(CniErrorCode.DECODE, "failed to decode network configuration", (cause as Error).message, { cause });
  }
  if (!isObject(raw)) {
    throw cniError(CniErrorCode.DECODE, "failed to decode network configuration", "it must be a JSON object");
  }
  // libcni reads a config without cniVersion as 0.1.0, which berth does not speak (code 1 later).
  const cniVersion = typeof raw.cniVersion === "string" && raw.cniVersion !== "" ? raw.cniVersion : "0.1.0";
  const name = raw.name;
  if (name === undefined || name === "") throw cniError(CniErrorCode.INVALID_CONFIG, "missing network name");
  if (typeof name !== "string" || !NETWORK_NAME_PATTERN.test(name)) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid characters found in network name", String(name));
  }
  checkTypeName(raw.type, "type");
  if (raw.ipam !== undefined && !isObject(raw.ipam)) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid ipam", "ipam must be an object");
  }
  checkTypeName(isObject(raw.ipam) ? raw.ipam.type : undefined, "ipam.type");
  return { ...raw, cniVersion, name, type: typeof raw.type === "string" ? raw.type : "" } as NetConf;
}

/**
 * GC's list of attachments that are still valid: `cni.dev/valid-attachments`, falling back to
 * `cni.dev/attachments` (the spec-v1.1.0 text). Undefined when neither key is present, which
 * means "no information": collect nothing. An explicit [] means everything is stale.
 */
export function validAttachments(conf: NetConf): GcAttachment[] | undefined {
  const list = conf["cni.dev/valid-attachments"] ?? conf["cni.dev/attachments"];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    throw cniError(CniErrorCode.DECODE, "failed to decode cni.dev/valid-attachments", "it must be an array");
  }
  return list.filter(isObject).map((a) => ({ containerID: String(a.containerID ?? ""), ifname: String(a.ifname ?? "") }));
}

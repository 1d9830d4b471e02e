/**
 * portmap's configuration: the reference plugin's keys with their defaults, plus berth's `range`
 * in a mapping (consecutive ports, Docker's `-p 8000-8010:80-90`).
 */
import { capabilities, cniError, CniErrorCode, getCI, type NetConf } from "../../lib/cni/index.ts";
import type { PortMapping } from "../../lib/firewall/index.ts";
import { stateDirOf } from "../common/attachment.ts";

export interface PortmapConfig {
  name: string;
  stateDir: string;
  mappings: PortMapping[];
  snat: boolean;
  masqAll: boolean;
  /** "nftables", "iptables", or undefined for the default (nftables where nft is installed). */
  backend: string | undefined;
}

const invalid = (msg: string, details: string) => cniError(CniErrorCode.INVALID_CONFIG, msg, details);

function bool(raw: NetConf, key: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw invalid(`invalid ${key}`, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function parsePortmapConfig(raw: NetConf): PortmapConfig {
  const backend = raw.backend;
  if (backend !== undefined && backend !== "" && backend !== "nftables" && backend !== "iptables") {
    throw invalid(`invalid backend ${JSON.stringify(backend)}`, 'choose "nftables" or "iptables", or leave it out for the default');
  }
  const bit = raw.markMasqBit;
  if (bit !== undefined && bit !== null && (typeof bit !== "number" || !Number.isInteger(bit) || bit < 0 || bit > 31)) {
    throw invalid("invalid markMasqBit", `markMasqBit must be an integer from 0 to 31, got ${JSON.stringify(bit)}`);
  }
  if (bit !== undefined && bit !== null && typeof raw.externalSetMarkChain === "string" && raw.externalSetMarkChain !== "") {
    throw invalid("markMasqBit and externalSetMarkChain cannot both be set", "remove one of them (both only matter to the iptables backend)");
  }
  for (const key of ["conditionsV4", "conditionsV6"]) {
    const c = raw[key];
    if (Array.isArray(c) && c.length > 0) {
      throw invalid(`${key} is not supported`, `berth's published ports are map elements under constant rules, so per-network match conditions cannot apply; remove ${key}`);
    }
  }
  const list = getCI(raw.runtimeConfig, "portMappings");
  const ranges = Array.isArray(list) ? list.map((m) => getCI(m, "range")) : [];
  const mappings: PortMapping[] = capabilities.portMappings(raw.runtimeConfig).map((m, i) => {
    const range = ranges[i];
    const protocol = m.protocol as PortMapping["protocol"];
    return { protocol, hostPort: m.hostPort, containerPort: m.containerPort, ...(m.hostIP !== undefined ? { hostIP: m.hostIP } : {}), ...(typeof range === "number" ? { range } : {}) };
  });
  return { name: raw.name, stateDir: stateDirOf(raw), mappings, snat: bool(raw, "snat", true), masqAll: bool(raw, "masqAll", false), backend: typeof backend === "string" && backend !== "" ? backend : undefined };
}

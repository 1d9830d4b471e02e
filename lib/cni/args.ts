/**
 * CNI_ARGS and capability payloads, read tolerantly.
 *
 * CNI_ARGS: "K=V;K2=V2". Unlike Go's strict parser, empty pieces are ignored, a value may contain
 * "=", and unknown keys are never an error (strictness breaks chains, cni#560).
 * Capability payloads: containerd sends PascalCase keys (HostPort, Subnet, Servers ...), CRI-O
 * camelCase; both are read with case-insensitive key lookup.
 */

export function parseCniArgs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!text) return out;
  for (const piece of text.split(";")) {
    if (piece.trim() === "") continue;
    const eq = piece.indexOf("=");
    if (eq <= 0) continue;
    out.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** obj[key] with the key matched case-insensitively (an exact match wins). */
export function getCI(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined;
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP?: string;
}

export interface IpRange {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

export interface Bandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

export interface RuntimeDns {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/** Readers for the well-known capabilities of runtimeConfig (CONVENTIONS.md). */
export const capabilities = {
  portMappings(rc: unknown): PortMapping[] {
    const list = getCI(rc, "portMappings");
    if (!Array.isArray(list)) return [];
    return list.filter(isObject).map((m) => {
      const out: PortMapping = {
        hostPort: num(getCI(m, "hostPort")) ?? 0,
        containerPort: num(getCI(m, "containerPort")) ?? 0,
        protocol: (str(getCI(m, "protocol")) ?? "tcp").toLowerCase(),
      };
      const hostIP = str(getCI(m, "hostIP"));
      if (hostIP !== undefined) out.hostIP = hostIP;
      return out;
    });
  },
  ipRanges(rc: unknown): IpRange[][] {
    const sets = getCI(rc, "ipRanges");
    if (!Array.isArray(sets)) return [];
    return sets.filter(Array.isArray).map((set: unknown[]) =>
      set.filter(isObject).map((r) => {
        const out: IpRange = { subnet: str(getCI(r, "subnet")) ?? "" };
        for (const k of ["rangeStart", "rangeEnd", "gateway"] as const) {
          const v = str(getCI(r, k));
          if (v !== undefined) out[k] = v;
        }
        return out;
      }),
    );
  },
  dns(rc: unknown): RuntimeDns | undefined {
    const d = getCI(rc, "dns");
    if (!isObject(d)) return undefined;
    const out: RuntimeDns = {};
    for (const k of ["servers", "searches", "options"] as const) {
      const v = strList(getCI(d, k));
      if (v !== undefined) out[k] = v;
    }
    return out;
  },
  ips(rc: unknown): string[] {
    return strList(getCI(rc, "ips")) ?? [];
  },
  mac(rc: unknown): string | undefined {
    return str(getCI(rc, "mac"));
  },
  bandwidth(rc: unknown): Bandwidth | undefined {
    const b = getCI(rc, "bandwidth");
    if (!isObject(b)) return undefined;
    const out: Bandwidth = {};
    for (const k of ["ingressRate", "ingressBurst", "egressRate", "egressBurst"] as const) {
      const v = num(getCI(b, k));
      if (v !== undefined) out[k] = v;
    }
    return out;
  },
  /** A list, or CRI-O's map of network name → list (PIT-13): the entry for `network`. */
  aliases(rc: unknown, network: string): string[] {
    const a = getCI(rc, "aliases");
    if (Array.isArray(a)) return strList(a) ?? [];
    if (isObject(a)) return strList(a[network]) ?? [];
    return [];
  },
};

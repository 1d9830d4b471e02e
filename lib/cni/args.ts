/**
 * CNI_ARGS and capability payloads, both read tolerantly.
 *
 * CNI_ARGS is "K=V;K2=V2". Unlike Go's strict parser, empty pieces (a trailing ";") are skipped,
 * a value may contain "=", and unknown keys are never an error whatever `IgnoreUnknown` says:
 * each plugin of a chain reads the keys it knows (strictness breaks chains, cni#560).
 *
 * Capability payloads (runtimeConfig) arrive in camelCase from CRI-O but in PascalCase from
 * containerd, whose Go structs have no JSON tags (HostPort, Subnet, Servers ...). Go plugins
 * never notice because Go's JSON decoder ignores case; here every key is looked up with getCI.
 */

/**
 * CNI_ARGS as a Map: each piece split on its first "=", keys trimmed with their case kept, values
 * as sent. Pieces without "=" are skipped; a repeated key keeps its last value.
 */
export function parseCniArgs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!text) return out;
  for (const piece of text.split(";")) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue; // not a pair: skipped, like an empty piece
    const key = piece.slice(0, eq).trim();
    if (key !== "") out.set(key, piece.slice(eq + 1));
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** obj[key] with the key matched case-insensitively (an exact match wins); undefined for non-objects. */
export function getCI(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined;
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** runtimeConfig.<name>, matched case-insensitively; undefined when the runtime sent nothing. */
export function capability(runtimeConfig: unknown, name: string): unknown {
  return getCI(runtimeConfig, name);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** Lower case; "tcp" when the runtime left it out. */
  protocol: string;
  hostIP?: string;
}

export interface IpRange {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/** Rates in bits per second, bursts in bits. */
export interface Bandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

/** The `dns` capability: note the key names differ from the result's Dns (nameservers, search). */
export interface RuntimeDns {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/**
 * Typed readers for the well-known capabilities (CONVENTIONS.md). Each takes the whole
 * runtimeConfig, reads keys case-insensitively, and skips entries of the wrong shape; a missing
 * capability reads as empty (lists) or undefined (objects and strings).
 */
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

  /** Outer list: one entry per address to allocate; inner list: the subnets to take it from. */
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

  /** Requested addresses, "ip" or "ip/prefix". */
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

  /** A list (CONVENTIONS.md), or CRI-O's map of network name → list: the entry for `network`. */
  aliases(rc: unknown, network: string): string[] {
    const a = getCI(rc, "aliases");
    if (Array.isArray(a)) return strList(a) ?? [];
    if (isObject(a)) return strList(a[network]) ?? [];
    return [];
  },
};

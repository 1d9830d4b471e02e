/**
 * The CNI protocol's objects (spec 1.1.0) as berth holds them in memory. Results are always in
 * 1.x form here; result.ts converts from and to the 0.3.x/0.4.0 wire form. Every object keeps
 * keys it does not know, because the spec requires them to be passed along unchanged.
 */

/** The verbs of spec 1.1.0. */
export type Command = "ADD" | "DEL" | "CHECK" | "VERSION" | "GC" | "STATUS";

export interface ResultInterface {
  name: string;
  mac?: string;
  /** 1.1.0 and later. */
  mtu?: number;
  /** The CNI_NETNS path for a container interface; absent for host interfaces. */
  sandbox?: string;
  /** 1.1.0 and later. */
  socketPath?: string;
  /** 1.1.0 and later. */
  pciID?: string;
  [key: string]: unknown;
}

export interface ResultIp {
  /** The host address with its prefix length, e.g. "10.1.0.5/16". */
  address: string;
  gateway?: string;
  /** Index into `interfaces`; 0 is valid and always serialised. */
  interface?: number;
  [key: string]: unknown;
}

export interface ResultRoute {
  dst: string;
  gw?: string;
  /** mtu, advmss, priority, table and scope are 1.1.0 additions. */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
  [key: string]: unknown;
}

/** DNS in results and in the network configuration (not the `dns` capability: see args.ts). */
export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** An ADD result in 1.x form. */
export interface Result {
  cniVersion: string;
  interfaces?: ResultInterface[];
  ips?: ResultIp[];
  routes?: ResultRoute[];
  dns?: Dns;
  [key: string]: unknown;
}

/** The request configuration a plugin receives on stdin; unknown keys are kept. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  ipam?: { type?: string; [key: string]: unknown };
  dns?: Dns;
  runtimeConfig?: Record<string, unknown>;
  args?: Record<string, unknown>;
  prevResult?: unknown;
  [key: string]: unknown;
}

/** The decoded stdin before a plugin types it (what `Plugin.parseConfig` receives). */
export type NetConfRaw = NetConf;

/** One entry of GC's `cni.dev/valid-attachments`. */
export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/** The VERSION answer. */
export interface VersionResult {
  cniVersion: string;
  supportedVersions: string[];
}

/** The error object printed on stdout when a verb fails. */
export interface ErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details: string;
}

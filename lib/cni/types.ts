/** The CNI protocol's objects (spec 1.1.0), as berth uses them internally. */

export interface ResultInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
  [key: string]: unknown;
}

export interface ResultIp {
  address: string;
  gateway?: string;
  /** Index into `interfaces`; 0 is valid and always serialised. */
  interface?: number;
  [key: string]: unknown;
}

export interface ResultRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
  [key: string]: unknown;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** An ADD result in 1.x form (0.x results are converted on the way in and out). */
export interface Result {
  cniVersion: string;
  interfaces?: ResultInterface[];
  ips?: ResultIp[];
  routes?: ResultRoute[];
  dns?: Dns;
  [key: string]: unknown;
}

/** The request configuration a plugin receives on stdin (unknown keys are kept). */
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

/** One entry of `cni.dev/valid-attachments` (GC). */
export interface GcAttachment {
  containerID: string;
  ifname: string;
}

export type Command = "ADD" | "DEL" | "CHECK" | "VERSION" | "GC" | "STATUS";

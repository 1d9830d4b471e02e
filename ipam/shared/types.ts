/**
 * The IPAM side of the CNI protocol, with the shapes of the spec's result objects.
 * Kept local to ipam/ so the IPAM plugins do not depend on lib/cni's exact exports;
 * the shapes match the spec (1.0.0 / 1.1.0) so results pass through unchanged.
 */

/** One address in a result: "10.1.0.5/24" (CIDR keeping the host address). */
export interface IpamIpConfig {
  address: string;
  gateway?: string;
  /** Index into `interfaces`; set by the main plugin, never by IPAM. */
  interface?: number;
}

export interface IpamRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface IpamDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** What an IPAM plugin returns for ADD. */
export interface IpamResult {
  cniVersion: string;
  ips: IpamIpConfig[];
  routes?: IpamRoute[];
  dns?: IpamDns;
}

/** A request scoped to a network (GC, STATUS). */
export interface IpamNetworkRequest {
  /** The full network configuration as parsed JSON (with `name` and `ipam`), as received on stdin. */
  readonly config: unknown;
  /** CNI_ARGS, already split into pairs. */
  readonly args?: ReadonlyMap<string, string>;
}

/** A request scoped to one attachment (ADD, DEL, CHECK). */
export interface IpamRequest extends IpamNetworkRequest {
  readonly containerId: string;
  readonly ifname: string;
}

/** One entry of `cni.dev/valid-attachments`. */
export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
}

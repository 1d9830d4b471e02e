/**
 * The IPAM side of the CNI protocol. Result pieces are the protocol's own types (lib/cni), so an
 * IPAM result passes through a main plugin unchanged.
 */
import type { Dns, ResultIp, ResultRoute } from "../../lib/cni/index.ts";

/** One address in a result: "10.1.0.5/24" (CIDR keeping the host address). */
export type IpamIpConfig = ResultIp;
export type IpamRoute = ResultRoute;
export type IpamDns = Dns;

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

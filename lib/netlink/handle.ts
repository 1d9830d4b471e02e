/**
 * NetlinkHandle: a NETLINK_ROUTE socket bound to one network namespace, and the operations
 * on links, addresses, routes and neighbours, named like iproute2's commands.
 *
 * The socket is created inside the target namespace (setns in, socket, setns back) and keeps
 * working there whatever the thread does later: no call ever switches namespaces. Every call
 * is synchronous and answered before it returns.
 */
import { bridgeVlanAdd, bridgeVlanDel, type BridgeVlanSpec } from "./bridge-vlan.ts";
import { currentNetns, withNetns, type Netns } from "../netns/index.ts";
import * as addr from "./addr.ts";
import type { Address, AddrListFilter, AddrOptions } from "./addr.ts";
import { waitForLink } from "./events.ts";
import type { BridgePortSpec, LinkSpec } from "./kinds/index.ts";
import * as link from "./link.ts";
import type { Link, LinkListFilter, LinkRef } from "./link.ts";
import * as neigh from "./neigh.ts";
import type { NeighListFilter, NeighSpec, Neighbour } from "./neigh.ts";
import * as route from "./route.ts";
import type { Route, RouteListFilter, RouteSpec } from "./route.ts";
import { RouteSocket } from "./socket.ts";
import { NetlinkConn } from "./wire/index.ts";

export interface HandleOptions {
  /** How long one reply may take before the call fails with ETIMEDOUT. Default 10 s. */
  timeoutMs?: number;
  /** SO_RCVBUF in bytes. Default 1 MiB. */
  receiveBuffer?: number;
  /** Attempts of a dump the kernel keeps flagging as interrupted. Default 5. */
  dumpAttempts?: number;
}

export class NetlinkHandle {
  /** The raw request engine, for messages the methods below do not cover. */
  readonly conn: NetlinkConn;
  /** The namespace the socket lives in (owned by the handle, closed with it). */
  readonly netns: Netns;
  readonly #socket: RouteSocket;
  #closed = false;

  private constructor(socket: RouteSocket, netns: Netns, options: HandleOptions) {
    this.#socket = socket;
    this.netns = netns;
    const connOptions = options.dumpAttempts === undefined ? {} : { dumpAttempts: options.dumpAttempts };
    this.conn = new NetlinkConn(socket, connOptions);
  }

  /**
   * Open a handle on a namespace: a path (`/run/netns/NAME`, `/proc/PID/ns/net`), an open
   * Netns, or nothing for the calling thread's own.
   */
  static open(ns?: Netns | string, options: HandleOptions = {}): NetlinkHandle {
    const create = (): { socket: RouteSocket; netns: Netns } => {
      const socket = RouteSocket.open({
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.receiveBuffer === undefined ? {} : { receiveBuffer: options.receiveBuffer }),
      });
      try {
        return { socket, netns: currentNetns() };
      } catch (err) {
        socket.close();
        throw err;
      }
    };
    const { socket, netns } = ns === undefined ? create() : withNetns(ns, create);
    return new NetlinkHandle(socket, netns, options);
  }

  /** An fd of the handle's namespace, for IFLA_NET_NS_FD (valid until close()). */
  get netnsFd(): number {
    return this.netns.fd;
  }

  /** The socket's netlink port id. */
  get portId(): number {
    return this.#socket.portId;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } finally {
      this.netns.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // Links

  /**
   * Equivalent to `ip link add NAME [mtu M] [address A] [netns NS] [up] type KIND ...`.
   * A veth's peer, or the link itself, may be created directly in another namespace
   * (`peer.netnsFd`, `netnsFd`): one request, no move. Fails with EEXIST if the name is taken.
   */
  linkAdd(spec: LinkSpec): void {
    link.linkAdd(this.conn, spec);
  }

  /** Equivalent to `ip link del LINK`. Throws LinkNotFoundError when it does not exist. */
  linkDel(ref: LinkRef): void {
    link.linkDel(this.conn, ref);
  }

  /** Equivalent to `ip link show NAME`. Throws LinkNotFoundError when it does not exist. */
  linkGet(name: string): Link {
    return link.linkGet(this.conn, name);
  }

  /** Equivalent to `ip link show NAME`, but undefined when it does not exist. */
  linkFind(name: string): Link | undefined {
    return link.linkFind(this.conn, name);
  }

  /** The link with this ifindex. Throws LinkNotFoundError when there is none. */
  linkByIndex(index: number): Link {
    return link.linkByIndex(this.conn, index);
  }

  /** Equivalent to `ip link show [master M] [type KIND]`. */
  linkList(filter?: LinkListFilter): Link[] {
    return link.linkList(this.conn, filter);
  }

  /** Equivalent to `ip link set LINK up`. */
  linkSetUp(ref: LinkRef): void {
    link.linkSetUp(this.conn, ref);
  }

  /** Equivalent to `ip link set LINK down`. */
  linkSetDown(ref: LinkRef): void {
    link.linkSetDown(this.conn, ref);
  }

  /** Equivalent to `ip link set LINK mtu MTU`. */
  /** Equivalent to `ip link set LINK allmulticast on|off`. */
  linkSetAllmulti(ref: LinkRef, on: boolean): void {
    link.linkSetAllmulti(this.conn, ref, on);
  }

  linkSetMtu(ref: LinkRef, mtu: number): void {
    link.linkSetMtu(this.conn, ref, mtu);
  }

  /** Equivalent to `ip link set LINK address MAC`. */
  linkSetMac(ref: LinkRef, mac: string): void {
    link.linkSetMac(this.conn, ref, mac);
  }

  /** Equivalent to `ip link set LINK name NAME` (the link must be down for most kinds). */
  linkSetName(ref: LinkRef, name: string): void {
    link.linkSetName(this.conn, ref, name);
  }

  /** Equivalent to `ip link set LINK alias ALIAS` (an empty alias removes it). */
  linkSetAlias(ref: LinkRef, alias: string): void {
    link.linkSetAlias(this.conn, ref, alias);
  }

  /** Equivalent to `ip link set LINK txqueuelen N`. */
  linkSetTxQLen(ref: LinkRef, qlen: number): void {
    link.linkSetTxQLen(this.conn, ref, qlen);
  }

  /** Equivalent to `ip link set LINK promisc on|off`. */
  linkSetPromisc(ref: LinkRef, on: boolean): void {
    link.linkSetPromisc(this.conn, ref, on);
  }

  /** Equivalent to `ip link set LINK master MASTER`. */
  linkSetMaster(ref: LinkRef, master: LinkRef): void {
    link.linkSetMaster(this.conn, ref, master);
  }

  /** Equivalent to `ip link set LINK nomaster`. */
  linkSetNoMaster(ref: LinkRef): void {
    link.linkSetNoMaster(this.conn, ref);
  }

  /**
   * Equivalent to `ip link set LINK netns NS`. Moving costs an RCU grace period (~20 ms);
   * prefer creating the link in its namespace (`netnsFd` in the spec).
   */
  linkSetNetns(ref: LinkRef, ns: number | { readonly fd: number }): void {
    link.linkSetNetns(this.conn, ref, typeof ns === "number" ? ns : ns.fd);
  }

  /** Equivalent to `ip link set LINK type bridge_slave [hairpin on] [learning off] [isolated on]`. */
  linkSetBridgePort(ref: LinkRef, port: BridgePortSpec): void {
    link.linkSetBridgePort(this.conn, ref, port);
  }

  /** Equivalent to `bridge fdb append MAC dev LINK dst DST self permanent`. */
  fdbAppend(ref: LinkRef, mac: string, dst?: string): void {
    neigh.fdbAppend(this.conn, ref, mac, dst);
  }

  /** Equivalent to `bridge fdb del MAC dev LINK dst DST self`. */
  fdbDel(ref: LinkRef, mac: string, dst?: string): void {
    neigh.fdbDel(this.conn, ref, mac, dst);
  }

  /** Equivalent to `bridge vlan add dev PORT vid VID [pvid] [untagged]`. */
  bridgeVlanAdd(ref: LinkRef, specs: readonly BridgeVlanSpec[]): void {
    bridgeVlanAdd(this.conn, ref, specs);
  }

  /** Equivalent to `bridge vlan del dev PORT vid VID`. */
  bridgeVlanDel(ref: LinkRef, specs: readonly BridgeVlanSpec[]): void {
    bridgeVlanDel(this.conn, ref, specs);
  }

  /**
   * Wait until link `name` exists and `predicate` holds (e.g. `(l) => l.operstate === "up"`),
   * listening to link events in this handle's namespace. Throws LinkWaitTimeoutError.
   */
  waitForLink(name: string, predicate: (link: Link) => boolean, timeoutMs: number): Link {
    return waitForLink(this, name, predicate, timeoutMs);
  }

  // Addresses

  /** Equivalent to `ip addr add CIDR dev LINK [peer P] [brd B] [label L] [scope S] [noprefixroute] [nodad]`. */
  addrAdd(ref: LinkRef, cidr: string, options?: AddrOptions): void {
    addr.addrAdd(this.conn, ref, cidr, options);
  }

  /** Equivalent to `ip addr replace CIDR dev LINK ...`. */
  addrReplace(ref: LinkRef, cidr: string, options?: AddrOptions): void {
    addr.addrReplace(this.conn, ref, cidr, options);
  }

  /** Equivalent to `ip addr del CIDR dev LINK`. */
  addrDel(ref: LinkRef, cidr: string): void {
    addr.addrDel(this.conn, ref, cidr);
  }

  /** Equivalent to `ip addr show [dev LINK]` (`ip -4`/`-6` with `family`). */
  addrList(filter?: AddrListFilter): Address[] {
    return addr.addrList(this.conn, filter);
  }

  // Routes

  /** Equivalent to `ip route add DST [via GW] [dev LINK] [src S] [table T] [metric M] [mtu N] [advmss N]`. */
  routeAdd(spec: RouteSpec): void {
    route.routeAdd(this.conn, spec);
  }

  /** Equivalent to `ip route replace ...`. */
  routeReplace(spec: RouteSpec): void {
    route.routeReplace(this.conn, spec);
  }

  /** Equivalent to `ip route del ...`: matches any protocol, scope and type unless given. */
  routeDel(spec: RouteSpec): void {
    route.routeDel(this.conn, spec);
  }

  /** Equivalent to `ip route show [table T|all] [dev LINK]` (main table by default). */
  routeList(filter?: RouteListFilter): Route[] {
    return route.routeList(this.conn, filter);
  }

  // Neighbours

  /** Equivalent to `ip neigh show [dev LINK]`. */
  neighList(filter?: NeighListFilter): Neighbour[] {
    return neigh.neighList(this.conn, filter);
  }

  /** Equivalent to `ip neigh add IP lladdr MAC dev LINK [nud STATE]` (permanent by default). */
  neighAdd(ref: LinkRef, spec: NeighSpec): void {
    neigh.neighAdd(this.conn, ref, spec);
  }

  /** Equivalent to `ip neigh replace IP lladdr MAC dev LINK [nud STATE]`. */
  neighReplace(ref: LinkRef, spec: NeighSpec): void {
    neigh.neighAdd(this.conn, ref, spec, true);
  }

  /** Equivalent to `ip neigh del IP dev LINK`. */
  neighDel(ref: LinkRef, ip: string): void {
    neigh.neighDel(this.conn, ref, ip);
  }
}

/** Open a handle on a namespace (path or Netns), or on the calling thread's own. See NetlinkHandle.open. */
export function openHandle(ns?: Netns | string, options?: HandleOptions): NetlinkHandle {
  return NetlinkHandle.open(ns, options);
}

/**
 * A NETLINK_NETFILTER socket inside a network namespace: setns in, socket, setns back, as
 * NetlinkHandle does for rtnetlink. The socket stays bound to that namespace for life.
 */
import { NETLINK_NETFILTER } from "../../../native/index.ts";
import { withNetns, type Netns } from "../../netns/index.ts";
import { RouteSocket } from "../socket.ts";
import type { Transport } from "../wire/index.ts";

/** What the nf handles talk through: a netfilter socket, or a fake kernel in tests. */
export interface NfTransport extends Transport {
  close(): void;
  /** Make room for a datagram of `send` bytes and `receive` bytes of queued replies (see RouteSocket.reserve). */
  reserve?(sizes: { send?: number; receive?: number }): void;
}

export interface NfHandleOptions {
  /** How long one reply may take before the call fails with ETIMEDOUT. Default 10 s. */
  timeoutMs?: number;
  /** SO_RCVBUF in bytes. Default 4 MiB; a larger batch raises it (every message gets its own ack). */
  receiveBuffer?: number;
  /** SO_SNDBUF in bytes. Default 1 MiB; a larger batch (one datagram) raises it. */
  sendBuffer?: number;
}

/** Open a netfilter socket in `ns` (a path, an open Netns, or the calling thread's own). */
export function openNetfilterSocket(ns: Netns | string | undefined, options: NfHandleOptions = {}): RouteSocket {
  const open = (): RouteSocket =>
    RouteSocket.open({
      protocol: NETLINK_NETFILTER,
      receiveBuffer: options.receiveBuffer ?? 4 * 1024 * 1024,
      sendBuffer: options.sendBuffer ?? 1024 * 1024,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  return ns === undefined ? open() : withNetns(ns, open);
}

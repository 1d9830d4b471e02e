/**
 * A netlink socket (NETLINK_ROUTE unless told otherwise, e.g. NETLINK_NETFILTER for
 * lib/netlink/nf): the one piece of the netlink layer that does I/O.
 *
 * The socket belongs to the network namespace of the thread that created it, for life; the
 * handle creates it inside the target namespace and then never switches again. Every receive
 * waits with poll(2) and a deadline, so no call can hang forever.
 */
import {
  AF_NETLINK,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  POLLIN,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  sys,
} from "../../native/index.ts";
import type { Transport } from "./wire/index.ts";

/** ETIMEDOUT */
const ETIMEDOUT = 110;

export interface RouteSocketOptions {
  /** The netlink protocol (NETLINK_ROUTE, NETLINK_NETFILTER...). Default NETLINK_ROUTE. */
  protocol?: number;
  /** How long a receive waits for the kernel before failing with ETIMEDOUT. Default 10 s. */
  timeoutMs?: number;
  /** SO_RCVBUF in bytes (the kernel doubles it). Default 1 MiB: a full dump never overflows. */
  receiveBuffer?: number;
  /** Multicast groups to join (RTNLGRP_*), for event sockets. */
  groups?: readonly number[];
  /** Initial size of the user-space receive buffer; it grows to fit any datagram. Default 32 KiB. */
  bufferSize?: number;
  /** SO_SNDBUF in bytes (the kernel doubles it); bounds the largest datagram. Default 64 KiB. */
  sendBuffer?: number;
}

/** Raised by a receive that waited its full timeout; the engine turns it into a NetlinkError. */
export class ReceiveTimeoutError extends Error {
  readonly errno = ETIMEDOUT;
  readonly code = "ETIMEDOUT";
  readonly detail: string;
  constructor(timeoutMs: number) {
    const detail = `no reply from the kernel within ${timeoutMs} ms`;
    super(`Netlink receive timed out: ${detail}`);
    this.name = "ReceiveTimeoutError";
    this.detail = detail;
  }
}

function intOpt(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return b;
}

/** struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; } */
function sockaddrNl(pid = 0, groups = 0): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint16(0, AF_NETLINK, true);
  v.setUint32(4, pid, true);
  v.setUint32(8, groups, true);
  return b;
}

/** An open netlink socket (NETLINK_ROUTE by default), usable as the engine's {@link Transport}. */
export class RouteSocket implements Transport {
  readonly fd: number;
  readonly portId: number;
  readonly timeoutMs: number;
  #buf: Uint8Array;
  #peek = new Uint8Array(16);
  #closed = false;
  #sizes: { send: number; receive: number };

  private constructor(fd: number, portId: number, timeoutMs: number, bufferSize: number, sizes: { send: number; receive: number }) {
    this.fd = fd;
    this.portId = portId;
    this.timeoutMs = timeoutMs;
    this.#buf = new Uint8Array(Math.max(16, bufferSize));
    this.#sizes = sizes;
  }

  /** Open a socket in the calling thread's current network namespace. */
  static open(options: RouteSocketOptions = {}): RouteSocket {
    const protocol = options.protocol ?? NETLINK_ROUTE;
    const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    try {
      const sizes = { receive: options.receiveBuffer ?? 1024 * 1024, send: options.sendBuffer ?? 64 * 1024 };
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOpt(sizes.receive));
      sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, intOpt(sizes.send));
      sys.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, intOpt(1));
      // Strict checking of dump requests is an rtnetlink notion.
      if (protocol === NETLINK_ROUTE) sys.setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, intOpt(1));
      sys.bind(fd, sockaddrNl());
      for (const group of options.groups ?? []) sys.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, intOpt(group));
      const addr = new Uint8Array(12);
      sys.getsockname(fd, addr);
      const portId = new DataView(addr.buffer).getUint32(4, true);
      return new RouteSocket(fd, portId, options.timeoutMs ?? 10_000, options.bufferSize ?? 32 * 1024, sizes);
    } catch (err) {
      sys.close(fd);
      throw err;
    }
  }

  /** The receive buffer's current size in bytes. */
  get bufferSize(): number {
    return this.#buf.length;
  }

  #open(): void {
    // A closed fd number may already belong to another file: never touch it again.
    if (this.#closed) throw new Error("The netlink socket is closed");
  }

  /**
   * Make room for a large exchange: SO_SNDBUF of at least `send` bytes (one datagram must fit)
   * and SO_RCVBUF of at least `receive` (replies queued before they are read). With
   * CAP_NET_ADMIN the sizes may pass net.core.wmem_max/rmem_max; without, they are capped.
   */
  reserve(sizes: { send?: number; receive?: number }): void {
    this.#open();
    const grow = (want: number | undefined, have: number, plain: number, force: number): number => {
      if (want === undefined || want <= have) return have;
      try {
        sys.setsockopt(this.fd, SOL_SOCKET, force, intOpt(want));
      } catch {
        sys.setsockopt(this.fd, SOL_SOCKET, plain, intOpt(want));
      }
      return want;
    };
    this.#sizes.send = grow(sizes.send, this.#sizes.send, SO_SNDBUF, SO_SNDBUFFORCE);
    this.#sizes.receive = grow(sizes.receive, this.#sizes.receive, SO_RCVBUF, SO_RCVBUFFORCE);
  }

  send(bytes: Uint8Array): void {
    this.#open();
    sys.sendto(this.fd, bytes, 0, sockaddrNl());
  }

  /** The next datagram, waiting at most the socket's timeout. */
  recv(): Uint8Array {
    const got = this.recvWithin(this.timeoutMs);
    if (got === undefined) throw new ReceiveTimeoutError(this.timeoutMs);
    return got;
  }

  /**
   * The next datagram, or undefined when none arrives within `timeoutMs` (0: only what is
   * already queued). The buffer grows to the datagram's real size, learned with
   * MSG_PEEK|MSG_TRUNC, so nothing is ever cut. The result is a copy.
   */
  recvWithin(timeoutMs: number): Uint8Array | undefined {
    this.#open();
    if (sys.pollOne(this.fd, POLLIN, Math.max(0, Math.ceil(timeoutMs))) === 0) return undefined;
    const size = sys.recv(this.fd, this.#peek, MSG_PEEK | MSG_TRUNC);
    if (size > this.#buf.length) this.#buf = new Uint8Array(Math.max(size, this.#buf.length * 2));
    const n = sys.recv(this.fd, this.#buf, 0);
    return this.#buf.slice(0, n);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    sys.close(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

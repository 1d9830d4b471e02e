/**
 * rtnetlink events: a socket that joins multicast groups (RTNLGRP_*), and waitForLink, which
 * waits for a link to reach a state by listening instead of polling on a fixed schedule.
 */
import { withNetns, type Netns } from "../netns/index.ts";
import { describeLinkRef } from "./errors.ts";
import { decodeLink, type Link } from "./link.ts";
import { RouteSocket } from "./socket.ts";
import {
  AF_UNSPEC,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  NetlinkConn,
  NetlinkError,
  RTEXT_FILTER_SKIP_STATS,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTNLGRP_LINK,
  attr,
  concatBytes,
  encodeAttrs,
  encodeIfInfoMsg,
  splitMessages,
  type NetlinkMessage,
} from "./wire/index.ts";

const ETIMEDOUT = 110;

/** Where to listen: a namespace (path or open Netns), or anything bound to one, such as a handle. */
export type EventSource = Netns | string | { readonly netns: Netns } | undefined;

function inside<T>(source: EventSource, fn: () => T): T {
  if (source === undefined) return fn();
  if (typeof source === "string") return withNetns(source, fn);
  if ("fd" in source) return withNetns(source, fn);
  return withNetns(source.netns, fn);
}

function wrap(op: string, err: unknown): unknown {
  if (err instanceof NetlinkError) return err;
  const errno = (err as { errno?: unknown } | null)?.errno;
  return typeof errno === "number" ? new NetlinkError(op, errno, { cause: err }) : err;
}

/**
 * A socket subscribed to rtnetlink groups in one namespace. Events queue in the kernel from
 * the moment it is opened; read them with receive() or drain().
 */
export class Subscription {
  readonly #socket: RouteSocket;

  private constructor(socket: RouteSocket) {
    this.#socket = socket;
  }

  /** Join `groups` (RTNLGRP_*) in the namespace of `source` (default: the calling thread's). */
  static open(source: EventSource, groups: readonly number[]): Subscription {
    return new Subscription(inside(source, () => RouteSocket.open({ groups })));
  }

  /** The underlying socket, e.g. for a request whose reply must be ordered with the events. */
  get socket(): RouteSocket {
    return this.#socket;
  }

  /**
   * The messages of the next datagram, waiting at most `timeoutMs`; [] when none came.
   * Throws NetlinkError ENOBUFS when the kernel dropped events because the queue was full.
   */
  receive(timeoutMs: number): NetlinkMessage[] {
    try {
      const datagram = this.#socket.recvWithin(timeoutMs);
      return datagram === undefined ? [] : splitMessages(datagram);
    } catch (err) {
      throw wrap("receive events", err);
    }
  }

  /** Every message already queued, without waiting. */
  drain(): NetlinkMessage[] {
    const out: NetlinkMessage[] = [];
    for (;;) {
      const batch = this.receive(0);
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  }

  close(): void {
    this.#socket.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A link event: RTM_NEWLINK (created or changed) or RTM_DELLINK. */
export interface LinkEvent {
  action: "new" | "del";
  link: Link;
}

export function decodeLinkEvent(msg: NetlinkMessage): LinkEvent | undefined {
  if (msg.type === RTM_NEWLINK) return { action: "new", link: decodeLink(msg) };
  if (msg.type === RTM_DELLINK) return { action: "del", link: decodeLink(msg) };
  return undefined;
}

/** The wait ran out before the link satisfied the condition. */
export class LinkWaitTimeoutError extends NetlinkError {
  readonly link: string;
  /** The link as last seen, undefined when it never existed during the wait. */
  readonly lastSeen: Link | undefined;

  constructor(name: string, timeoutMs: number, lastSeen: Link | undefined) {
    const seen =
      lastSeen === undefined
        ? "the link never existed"
        : `last seen ${lastSeen.up ? "up" : "down"}, operstate ${lastSeen.operstate}`;
    super(`wait for link ${describeLinkRef(name)}`, ETIMEDOUT, { detail: `condition not met within ${timeoutMs} ms (${seen})` });
    this.name = "LinkWaitTimeoutError";
    this.link = name;
    this.lastSeen = lastSeen;
  }
}

/** The link's current state, asked on the subscription's own socket (so later events are newer). */
function currentLink(conn: NetlinkConn, name: string): Link | undefined {
  const body = concatBytes([
    encodeIfInfoMsg({ family: AF_UNSPEC }),
    encodeAttrs([attr.str(IFLA_IFNAME, name), attr.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)]),
  ]);
  try {
    const reply = conn.request(`find link ${describeLinkRef(name)}`, RTM_GETLINK, 0, body).find((m) => m.type === RTM_NEWLINK);
    return reply === undefined ? undefined : decodeLink(reply);
  } catch (err) {
    if (err instanceof NetlinkError && err.code === "ENODEV") return undefined;
    throw err;
  }
}

/**
 * Wait until the link `name` exists and `predicate` holds for it, and return it. Subscribes to
 * RTNLGRP_LINK first, then checks the current state, then reads events with the remaining
 * time: nothing is missed and nothing polls. Throws LinkWaitTimeoutError (ETIMEDOUT) after
 * `timeoutMs`.
 *
 * @example waitForLink(handle, "veth0", (l) => l.operstate === "up", 5000)
 */
export function waitForLink(source: EventSource, name: string, predicate: (link: Link) => boolean, timeoutMs: number): Link {
  const deadline = performance.now() + timeoutMs;
  using sub = Subscription.open(source, [RTNLGRP_LINK]);
  // Replies to our own GETLINK carry our port id and sequence number; events carry neither,
  // so the engine's request skips the events queued before the reply, which are older.
  const conn = new NetlinkConn(sub.socket);
  let last = currentLink(conn, name);
  if (last !== undefined && predicate(last)) return last;
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new LinkWaitTimeoutError(name, timeoutMs, last);
    let messages: NetlinkMessage[];
    try {
      messages = sub.receive(remaining);
    } catch (err) {
      if (!(err instanceof NetlinkError && err.code === "ENOBUFS")) throw err;
      // Events were lost: the current state is the truth again.
      last = currentLink(conn, name);
      if (last !== undefined && predicate(last)) return last;
      continue;
    }
    for (const m of messages) {
      const ev = decodeLinkEvent(m);
      if (ev === undefined || ev.link.name !== name) continue;
      if (ev.action === "del") {
        last = undefined;
        continue;
      }
      last = ev.link;
      if (predicate(ev.link)) return ev.link;
    }
  }
}


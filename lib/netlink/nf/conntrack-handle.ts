/**
 * ConntrackHandle: list and delete connection-tracking entries of one network namespace over
 * ctnetlink, like `conntrack -L` and `conntrack -D`. Port publishing uses it to drop flows
 * that a new or removed mapping makes stale (a UDP flow keeps its old NAT otherwise).
 */
import type { Netns } from "../../netns/index.ts";
import { NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST, NetlinkConn, NetlinkError, encodeMessage, parseError, splitMessages } from "../wire/index.ts";
import { IPCTNL_MSG_CT_DELETE, IPCTNL_MSG_CT_GET, IPCTNL_MSG_CT_NEW, NFNL_SUBSYS_CTNETLINK, nfnlMsgType } from "./constants.ts";
import {
  conntrackMatcher,
  decodeConntrackFlow,
  encodeConntrackDelete,
  encodeConntrackDump,
  type ConntrackFilter,
  type ConntrackFlow,
} from "./conntrack-wire.ts";
import { openNetfilterSocket, type NfHandleOptions, type NfTransport } from "./open.ts";

const ENOENT = 2;
/** Deletes go to the kernel in datagrams of at most this many bytes (several messages each). */
const DELETE_DATAGRAM = 32 * 1024;

function describeFilter(filter: ConntrackFilter): string {
  const parts = [`ipv${filter.family}`];
  if (filter.protocol) parts.push(filter.protocol);
  if (filter.origSrc) parts.push(`src ${filter.origSrc}`);
  if (filter.origSrcPort !== undefined) parts.push(`sport ${filter.origSrcPort}`);
  if (filter.origDst) parts.push(`dst ${filter.origDst}`);
  if (filter.origDstPort !== undefined) parts.push(`dport ${filter.origDstPort}`);
  if (filter.replySrc) parts.push(`reply-src ${filter.replySrc}`);
  if (filter.replySrcPort !== undefined) parts.push(`reply-port-src ${filter.replySrcPort}`);
  return parts.join(" ");
}

function describeFlow(f: ConntrackFlow): string {
  const port = (p: number | undefined): string => (p === undefined ? "" : `:${p}`);
  return `${String(f.protocol)} ${f.orig.src}${port(f.orig.srcPort)} → ${f.orig.dst}${port(f.orig.dstPort)}`;
}

export class ConntrackHandle {
  readonly conn: NetlinkConn;
  readonly #socket: NfTransport;
  #seq = 0x4000_0000;
  #closed = false;

  /** A handle over any transport (a socket from openNetfilterSocket, a fake kernel in tests); it owns it. */
  constructor(socket: NfTransport) {
    this.#socket = socket;
    this.conn = new NetlinkConn(socket);
  }

  /** Open a handle on a namespace (path or Netns), or on the calling thread's own. */
  static open(ns?: Netns | string, options?: NfHandleOptions): ConntrackHandle {
    return new ConntrackHandle(openNetfilterSocket(ns, options));
  }

  /** The entries that match the filter (`conntrack -L -f ipv4 -p udp --dport 53`...). */
  list(filter: ConntrackFilter): ConntrackFlow[] {
    return this.listAny([filter]);
  }

  /**
   * The entries that match any of the filters, from one dump (of every family when the filters
   * name both): a dump walks the kernel's whole conntrack hash, shared by all namespaces (~5 ms
   * with 262,144 buckets here), whatever it returns.
   */
  listAny(filters: readonly ConntrackFilter[]): ConntrackFlow[] {
    if (filters.length === 0) return [];
    const families = new Set(filters.map((f) => f.family));
    const family = families.size === 1 ? (filters[0] as ConntrackFilter).family : "all";
    const matchers = filters.map(conntrackMatcher);
    const what = `list conntrack entries (${filters.map(describeFilter).join("; ")})`;
    const messages = this.conn.dump(what, nfnlMsgType(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET), encodeConntrackDump(family));
    return messages
      .filter((m) => (m.type & 0xff) === IPCTNL_MSG_CT_NEW)
      .map((m) => decodeConntrackFlow(m.payload))
      .filter((flow) => matchers.some((match) => match(flow)));
  }

  /**
   * Delete every entry that matches the filter; returns how many this call deleted. An entry
   * that expires or is deleted by someone else meanwhile is not an error (and not counted).
   */
  delete(filter: ConntrackFilter): number {
    return this.deleteAny([filter]);
  }

  /** Delete every entry that matches any of the filters, found with one dump (see listAny). */
  deleteAny(filters: readonly ConntrackFilter[]): number {
    const flows = this.listAny(filters);
    let deleted = 0;
    let batch: { seq: number; flow: ConntrackFlow; bytes: Uint8Array }[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length > 0) deleted += this.#deleteBatch(batch);
      batch = [];
      size = 0;
    };
    for (const flow of flows) {
      const seq = this.#nextSeq();
      const bytes = encodeMessage(
        { type: nfnlMsgType(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE), flags: NLM_F_REQUEST | NLM_F_ACK, seq },
        encodeConntrackDelete(flow),
      );
      if (size + bytes.length > DELETE_DATAGRAM) flush();
      batch.push({ seq, flow, bytes });
      size += bytes.length;
    }
    flush();
    return deleted;
  }

  /** Replies come from port 0 to ours; a transport with port 0 checks nothing. */
  #fromKernel(pid: number): boolean {
    return this.#socket.portId === 0 || pid === this.#socket.portId;
  }

  #nextSeq(): number {
    const seq = this.#seq;
    this.#seq = seq >= 0x7fff_0000 ? 0x4000_0000 : seq + 1;
    return seq;
  }

  /** Send several deletes in one datagram and read each one's ack; the count of real deletions. */
  #deleteBatch(batch: readonly { seq: number; flow: ConntrackFlow; bytes: Uint8Array }[]): number {
    const pending = new Map(batch.map((b) => [b.seq, b.flow]));
    const total = batch.reduce((n, b) => n + b.bytes.length, 0);
    const datagram = new Uint8Array(total);
    let pos = 0;
    for (const b of batch) {
      datagram.set(b.bytes, pos);
      pos += b.bytes.length;
    }
    let deleted = 0;
    let failure: NetlinkError | undefined;
    try {
      this.#socket.send(datagram);
      while (pending.size > 0) {
        for (const m of splitMessages(this.#socket.recv())) {
          if (m.type !== NLMSG_ERROR || !this.#fromKernel(m.pid)) continue;
          const flow = pending.get(m.seq);
          if (flow === undefined) continue;
          pending.delete(m.seq);
          const e = parseError(m);
          if (e.errno === 0) deleted++;
          else if (e.errno !== ENOENT) failure ??= new NetlinkError(`delete conntrack entry ${describeFlow(flow)}`, e.errno, e.extack.message === undefined ? {} : { extack: e.extack.message });
        }
      }
    } catch (err) {
      if (err instanceof NetlinkError) throw err;
      const e = err as { errno?: unknown };
      throw new NetlinkError("delete conntrack entries", typeof e.errno === "number" ? e.errno : 5, { cause: err });
    }
    if (failure) throw failure;
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Open a ConntrackHandle on a namespace (path or Netns), or on the calling thread's own. */
export function openConntrackHandle(ns?: Netns | string, options?: NfHandleOptions): ConntrackHandle {
  return ConntrackHandle.open(ns, options);
}

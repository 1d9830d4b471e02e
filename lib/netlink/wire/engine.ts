/**
 * The request/response engine: sequence numbers, acks, multi-part dumps, interrupted dumps
 * and kernel errors, over any {@link Transport}. Pure: the socket lives elsewhere, and
 * tests drive this with a fake transport.
 */
import { parseDone, parseError, type ExtAck } from "./ack.ts";
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
} from "./constants.ts";
import { NetlinkError } from "./errors.ts";
import { encodeMessage, splitMessages, type NetlinkMessage } from "./message.ts";

/**
 * A dump stayed inconsistent (NLM_F_DUMP_INTR: the table changed while it was read) on every
 * attempt. `partial` holds the messages of the last attempt, possibly incomplete.
 */
export class DumpInterruptedError extends NetlinkError {
  readonly attempts: number;
  readonly partial: readonly NetlinkMessage[];

  constructor(op: string, attempts: number, partial: readonly NetlinkMessage[]) {
    super(op, 4 /* EINTR */, { detail: `the dump was interrupted by concurrent changes ${attempts} times` });
    this.name = "DumpInterruptedError";
    this.attempts = attempts;
    this.partial = partial;
  }
}

/** Where requests go and replies come from: one netlink socket, or a fake in tests. */
export interface Transport {
  send(bytes: Uint8Array): void;
  /** Block for the next datagram (one or more messages). Throws when none arrives in time. */
  recv(): Uint8Array;
  /** The socket's port id (nl_pid). Replies addressed to another port are ignored; 0 checks nothing. */
  readonly portId: number;
}

export interface NetlinkConnOptions {
  /** How many times a dump is tried when the kernel flags it NLM_F_DUMP_INTR. Default 5. */
  dumpAttempts?: number;
  /** The first sequence number (default 1). */
  firstSeq?: number;
}

/** Wrap a transport failure (a SysError, a timeout) as a NetlinkError naming the operation. */
function wrapTransportError(op: string, err: unknown): unknown {
  if (err instanceof NetlinkError) return err;
  const e = err as { errno?: unknown; detail?: unknown };
  if (typeof err === "object" && err !== null && typeof e.errno === "number") {
    const options: { cause: unknown; detail?: string } = { cause: err };
    if (typeof e.detail === "string") options.detail = e.detail;
    return new NetlinkError(op, e.errno, options);
  }
  return err;
}

function kernelError(op: string, errno: number, extack: ExtAck): NetlinkError {
  const options: ConstructorParameters<typeof NetlinkError>[2] = {};
  if (extack.message !== undefined) options.extack = extack.message;
  if (extack.offset !== undefined) options.extackOffset = extack.offset;
  if (extack.missingType !== undefined) options.missingAttr = extack.missingType;
  return new NetlinkError(op, errno, options);
}

/**
 * A netlink conversation over one transport. Every call is synchronous: it sends one request
 * and reads until the kernel has answered it, skipping anything with another sequence number
 * or port id (late replies to an earlier request, notifications).
 */
export class NetlinkConn {
  readonly transport: Transport;
  readonly #dumpAttempts: number;
  #seq: number;

  constructor(transport: Transport, options: NetlinkConnOptions = {}) {
    this.transport = transport;
    this.#dumpAttempts = options.dumpAttempts ?? 5;
    this.#seq = (options.firstSeq ?? 1) >>> 0;
    if (this.#dumpAttempts < 1) throw new RangeError(`dumpAttempts must be at least 1, not ${this.#dumpAttempts}`);
  }

  #nextSeq(): number {
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    return seq;
  }

  #send(op: string, type: number, flags: number, seq: number, payload: Uint8Array): void {
    const bytes = encodeMessage({ type, flags, seq, pid: 0 }, payload);
    try {
      this.transport.send(bytes);
    } catch (err) {
      throw wrapTransportError(op, err);
    }
  }

  /** Messages of the next datagram that answer `seq`. */
  #receive(op: string, seq: number): NetlinkMessage[] {
    let datagram: Uint8Array;
    try {
      datagram = this.transport.recv();
    } catch (err) {
      throw wrapTransportError(op, err);
    }
    const port = this.transport.portId;
    return splitMessages(datagram).filter((m) => m.seq === seq && (port === 0 || m.pid === port));
  }

  /**
   * Send a request with NLM_F_ACK and wait for the kernel's verdict. Returns the replies that
   * came before the ack (a GET's answer; none for a change). Throws NetlinkError on refusal.
   */
  request(op: string, type: number, flags: number, payload: Uint8Array): NetlinkMessage[] {
    const seq = this.#nextSeq();
    this.#send(op, type, flags | NLM_F_REQUEST | NLM_F_ACK, seq, payload);
    const replies: NetlinkMessage[] = [];
    for (;;) {
      for (const m of this.#receive(op, seq)) {
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          if (e.errno !== 0) throw kernelError(op, e.errno, e.extack);
          return replies;
        }
        if (m.type === NLMSG_DONE) {
          const d = parseDone(m);
          if (d.errno !== 0) throw kernelError(op, d.errno, d.extack);
          return replies;
        }
        if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) continue;
        replies.push(m);
      }
    }
  }

  /**
   * Dump a table: send a request with NLM_F_DUMP and collect every part until NLMSG_DONE.
   * When the kernel flags a part NLM_F_DUMP_INTR (the table changed meanwhile), the whole dump
   * is read to its end and started again; after `dumpAttempts` tries, DumpInterruptedError.
   */
  dump(op: string, type: number, payload: Uint8Array, flags = 0): NetlinkMessage[] {
    let partial: NetlinkMessage[] = [];
    for (let attempt = 1; attempt <= this.#dumpAttempts; attempt++) {
      const { messages, interrupted } = this.#dumpOnce(op, type, payload, flags);
      if (!interrupted) return messages;
      partial = messages;
    }
    throw new DumpInterruptedError(op, this.#dumpAttempts, partial);
  }

  #dumpOnce(op: string, type: number, payload: Uint8Array, flags: number): { messages: NetlinkMessage[]; interrupted: boolean } {
    const seq = this.#nextSeq();
    this.#send(op, type, flags | NLM_F_REQUEST | NLM_F_DUMP, seq, payload);
    const messages: NetlinkMessage[] = [];
    let interrupted = false;
    for (;;) {
      for (const m of this.#receive(op, seq)) {
        if ((m.flags & NLM_F_DUMP_INTR) !== 0) interrupted = true;
        if (m.type === NLMSG_DONE) {
          const d = parseDone(m);
          if (d.errno !== 0) throw kernelError(op, d.errno, d.extack);
          return { messages, interrupted };
        }
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          if (e.errno !== 0) throw kernelError(op, e.errno, e.extack);
          return { messages, interrupted };
        }
        if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) continue;
        messages.push(m);
      }
    }
  }
}

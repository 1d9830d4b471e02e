/**
 * nfnetlink framing: the nfgenmsg header every netfilter message starts with, and batches
 * (NFNL_MSG_BATCH_BEGIN … NFNL_MSG_BATCH_END), which nf_tables applies as one transaction.
 * Pure: bytes in, bytes out, and the bookkeeping of a batch's replies.
 *
 *   struct nfgenmsg { __u8 nfgen_family; __u8 version; __be16 res_id; }   then attributes
 *
 * The kernel answers a batch only after it has processed all of it: one ack or error per
 * message flagged NLM_F_ACK (errors always), then, when the transaction committed, an ack
 * for BATCH_END. A failed commit is reported against BATCH_BEGIN.
 */
import {
  AttrSet,
  NLMSG_ERROR,
  attr,
  type Attr,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NetlinkParseError,
  concatBytes,
  encodeMessage,
  nlmsgAlign,
  parseError,
  type ExtAck,
  type NetlinkMessage,
} from "../wire/index.ts";
import { NFGENMSG_LEN, NFNETLINK_V0, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFPROTO_UNSPEC } from "./constants.ts";

/** A 32-bit attribute in network byte order (netfilter sends most integers so). */
export function be32Attr(type: number, value: number): Attr {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, false);
  return attr.bytes(type, b);
}

/** A 32-bit big-endian attribute's value, or undefined when absent. */
export function readBe32(attrs: AttrSet, type: number): number | undefined {
  const d = attrs.get(type);
  if (d === undefined) return undefined;
  if (d.length < 4) throw new NetlinkParseError(`Attribute type ${type} is too short for a u32: ${d.length} bytes`);
  return new DataView(d.buffer, d.byteOffset, 4).getUint32(0, false);
}

/** An nfgenmsg: the family, version 0, and `resId` (big-endian; a subsystem id for batches). */
export function encodeNfGenMsg(family: number, resId = 0): Uint8Array {
  const out = new Uint8Array(NFGENMSG_LEN);
  const view = new DataView(out.buffer);
  view.setUint8(0, family);
  view.setUint8(1, NFNETLINK_V0);
  view.setUint16(2, resId, false);
  return out;
}

/** Split a netfilter message's payload into its nfgenmsg and attributes. */
export function decodeNfGenMsg(payload: Uint8Array): { family: number; version: number; resId: number; attrs: AttrSet } {
  if (payload.length < NFGENMSG_LEN) throw new NetlinkParseError(`Truncated nfgenmsg: ${payload.length} bytes, 4 needed`);
  const view = new DataView(payload.buffer, payload.byteOffset, NFGENMSG_LEN);
  return {
    family: view.getUint8(0),
    version: view.getUint8(1),
    resId: view.getUint16(2, false),
    attrs: AttrSet.parse(payload.subarray(Math.min(nlmsgAlign(NFGENMSG_LEN), payload.length))),
  };
}

/** One message of a batch: its nlmsg_type, extra flags (NLM_F_CREATE...) and payload. */
export interface BatchMessage {
  readonly type: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

export interface EncodedBatch {
  /** The datagram: BATCH_BEGIN, the messages, BATCH_END. */
  readonly bytes: Uint8Array;
  readonly beginSeq: number;
  /** Sequence number of each message, in order. */
  readonly seqs: readonly number[];
  readonly endSeq: number;
}

/**
 * Frame messages of subsystem `subsys` as one batch, numbered from `firstSeq`. Every message,
 * BEGIN and END included, asks for an ack, so the caller learns the fate of each.
 */
export function encodeBatch(subsys: number, messages: readonly BatchMessage[], firstSeq: number): EncodedBatch {
  let seq = firstSeq >>> 0;
  const next = (): number => {
    const s = seq;
    seq = (seq + 1) >>> 0 || 1;
    return s;
  };
  const flags = NLM_F_REQUEST | NLM_F_ACK;
  const beginSeq = next();
  const parts = [encodeMessage({ type: NFNL_MSG_BATCH_BEGIN, flags, seq: beginSeq }, encodeNfGenMsg(NFPROTO_UNSPEC, subsys))];
  const seqs: number[] = [];
  for (const m of messages) {
    const s = next();
    seqs.push(s);
    parts.push(encodeMessage({ type: m.type, flags: flags | m.flags, seq: s }, m.payload));
  }
  const endSeq = next();
  parts.push(encodeMessage({ type: NFNL_MSG_BATCH_END, flags, seq: endSeq }, encodeNfGenMsg(NFPROTO_UNSPEC, subsys)));
  return { bytes: concatBytes(parts), beginSeq, seqs, endSeq };
}

/** A message of the batch the kernel refused. */
export interface BatchFailure {
  /** Index of the message in the batch. */
  readonly index: number;
  readonly errno: number;
  readonly extack: ExtAck;
}

export interface BatchOutcome {
  /** True when the transaction was committed (every change applied). */
  readonly committed: boolean;
  /** Messages refused, in batch order (the transaction was then aborted: nothing applied). */
  readonly failures: readonly BatchFailure[];
  /** An error about the batch as a whole (EPERM, a failed commit...), if any. */
  readonly batchError?: { errno: number; extack: ExtAck };
}

/**
 * Collects the kernel's replies to one batch. Feed every message received with `take` until
 * it returns true; then `outcome` says what happened. Replies with other sequence numbers
 * (or anything but acks and errors) are ignored.
 */
export class BatchReplies {
  readonly #batch: EncodedBatch;
  readonly #index = new Map<number, number>();
  readonly #answered = new Set<number>();
  readonly #failures: BatchFailure[] = [];
  #batchError: { errno: number; extack: ExtAck } | undefined;
  #committed = false;
  #settled = false;

  constructor(batch: EncodedBatch) {
    this.#batch = batch;
    batch.seqs.forEach((s, i) => this.#index.set(s, i));
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Account for one received message; true once the batch's fate is known. */
  take(m: NetlinkMessage): boolean {
    if (this.#settled || m.type !== NLMSG_ERROR) return this.#settled;
    const e = parseError(m);
    if (m.seq === this.#batch.beginSeq) {
      // An ack for BEGIN comes first; an error there refuses (or failed to commit) the whole batch.
      if (e.errno !== 0) {
        this.#batchError = { errno: e.errno, extack: e.extack };
        this.#settled = true;
      }
    } else if (m.seq === this.#batch.endSeq) {
      if (e.errno === 0) this.#committed = true;
      else this.#batchError = { errno: e.errno, extack: e.extack };
      this.#settled = true;
    } else {
      const index = this.#index.get(m.seq);
      if (index === undefined || this.#answered.has(index)) return false;
      this.#answered.add(index);
      if (e.errno !== 0) this.#failures.push({ index, errno: e.errno, extack: e.extack });
      // With a refused message the batch is aborted: no END ack follows the last reply.
      if (this.#answered.size === this.#batch.seqs.length && this.#failures.length > 0) this.#settled = true;
    }
    return this.#settled;
  }

  get outcome(): BatchOutcome {
    const failures = [...this.#failures].sort((a, b) => a.index - b.index);
    return this.#batchError === undefined
      ? { committed: this.#committed, failures }
      : { committed: this.#committed, failures, batchError: this.#batchError };
  }
}

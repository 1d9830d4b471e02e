/**
 * Netlink messages (struct nlmsghdr) and the datagrams that carry them.
 *
 *   struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags;
 *                     __u32 nlmsg_seq; __u32 nlmsg_pid; };      16 bytes, then the payload
 *
 * nlmsg_len counts the header and the payload; messages in a datagram are 4-byte aligned.
 */
import { NLMSG_ALIGNTO, NLMSG_HDRLEN } from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";

export function nlmsgAlign(len: number): number {
  return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

export interface NlMsgHeader {
  /** nlmsg_len: header plus payload. */
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

/** A decoded message; `payload` is a view of the datagram (header excluded). */
export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Uint8Array;
}

/** Read the 16-byte header at the start of `buf`. */
export function decodeHeader(buf: Uint8Array): NlMsgHeader {
  if (buf.length < NLMSG_HDRLEN) throw new NetlinkParseError(`Truncated netlink header: ${buf.length} bytes, 16 needed`);
  const view = new DataView(buf.buffer, buf.byteOffset, NLMSG_HDRLEN);
  return {
    len: view.getUint32(0, true),
    type: view.getUint16(4, true),
    flags: view.getUint16(6, true),
    seq: view.getUint32(8, true),
    pid: view.getUint32(12, true),
  };
}

/** Encode one message: header (nlmsg_len filled in) followed by the payload, padded. */
export function encodeMessage(
  head: { type: number; flags: number; seq: number; pid?: number },
  payload: Uint8Array,
): Uint8Array {
  const len = NLMSG_HDRLEN + payload.length;
  const out = new Uint8Array(nlmsgAlign(len));
  const view = new DataView(out.buffer);
  view.setUint32(0, len, true);
  view.setUint16(4, head.type, true);
  view.setUint16(6, head.flags, true);
  view.setUint32(8, head.seq >>> 0, true);
  view.setUint32(12, (head.pid ?? 0) >>> 0, true);
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/**
 * Split a received datagram into its messages. A header that does not fit, an nlmsg_len
 * below 16 or one past the end of the datagram is an error.
 */
export function splitMessages(datagram: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let pos = 0;
  while (pos < datagram.length) {
    const rest = datagram.subarray(pos);
    const h = decodeHeader(rest);
    if (h.len < NLMSG_HDRLEN) throw new NetlinkParseError(`Malformed netlink message at offset ${pos}: nlmsg_len ${h.len} is below 16`);
    if (h.len > rest.length) {
      throw new NetlinkParseError(`Truncated netlink message at offset ${pos}: nlmsg_len ${h.len} but ${rest.length} bytes left`);
    }
    out.push({ type: h.type, flags: h.flags, seq: h.seq, pid: h.pid, payload: rest.subarray(NLMSG_HDRLEN, h.len) });
    pos += Math.min(nlmsgAlign(h.len), rest.length);
  }
  return out;
}

/** Concatenate byte arrays (a fixed struct followed by attributes, several messages...). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Acknowledgements and errors: NLMSG_ERROR and NLMSG_DONE payloads.
 *
 *   struct nlmsgerr { int error; struct nlmsghdr msg; }
 *
 * `error` is 0 for an ack, or a negative errno. `msg` echoes the request's header, followed by
 * the rest of the request unless the ack is capped (NLM_F_CAPPED: always for a success, or
 * with NETLINK_CAP_ACK). With NETLINK_EXT_ACK on, TLVs (enum nlmsgerr_attrs) follow, aligned,
 * and NLM_F_ACK_TLVS is set. NLMSG_DONE carries an int (a dump's final status), also
 * possibly followed by TLVs.
 */
import { AttrSet } from "./attr.ts";
import {
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSG_HDRLEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
} from "./constants.ts";
import { NetlinkParseError } from "./errors.ts";
import { decodeHeader, nlmsgAlign, type NetlinkMessage, type NlMsgHeader } from "./message.ts";

/** The extended ack, when the kernel sent one. */
export interface ExtAck {
  message?: string;
  /** Byte offset, from the request's nlmsghdr, of the attribute that was rejected. */
  offset?: number;
  /** Type of a required attribute that was missing. */
  missingType?: number;
  /** Offset of the nest in which that attribute was missing. */
  missingNest?: number;
}

export interface ErrorPayload {
  /** A positive errno, or 0 for an ack. */
  errno: number;
  /** The request's header as the kernel echoed it. */
  request: NlMsgHeader;
  /** The echoed request body, when not capped. */
  requestBody?: Uint8Array;
  extack: ExtAck;
}

function parseExtAck(tlvs: Uint8Array): ExtAck {
  const attrs = AttrSet.parse(tlvs);
  const out: ExtAck = {};
  const message = attrs.str(NLMSGERR_ATTR_MSG);
  if (message !== undefined) out.message = message;
  const offset = attrs.u32(NLMSGERR_ATTR_OFFS);
  if (offset !== undefined) out.offset = offset;
  const missingType = attrs.u32(NLMSGERR_ATTR_MISS_TYPE);
  if (missingType !== undefined) out.missingType = missingType;
  const missingNest = attrs.u32(NLMSGERR_ATTR_MISS_NEST);
  if (missingNest !== undefined) out.missingNest = missingNest;
  return out;
}

/** Decode the payload of an NLMSG_ERROR message (an ack when `errno` is 0). */
export function parseError(msg: NetlinkMessage): ErrorPayload {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new NetlinkParseError(`Truncated NLMSG_ERROR: ${p.length} bytes, 20 needed`);
  const error = new DataView(p.buffer, p.byteOffset, 4).getInt32(0, true);
  const request = decodeHeader(p.subarray(4));
  const capped = (msg.flags & NLM_F_CAPPED) !== 0;
  let end = 4 + NLMSG_HDRLEN;
  let requestBody: Uint8Array | undefined;
  if (!capped && request.len > NLMSG_HDRLEN) {
    if (4 + request.len > p.length) {
      throw new NetlinkParseError(`Truncated NLMSG_ERROR: echoed request of ${request.len} bytes, ${p.length - 4} present`);
    }
    requestBody = p.subarray(4 + NLMSG_HDRLEN, 4 + request.len);
    end = 4 + nlmsgAlign(request.len);
  }
  const extack = (msg.flags & NLM_F_ACK_TLVS) !== 0 ? parseExtAck(p.subarray(Math.min(end, p.length))) : {};
  // The kernel sends a negative errno; a positive one (never seen) is taken as the errno too.
  const out: ErrorPayload = { errno: Math.abs(error), request, extack };
  if (requestBody !== undefined) out.requestBody = requestBody;
  return out;
}

/** Decode the payload of an NLMSG_DONE: the dump's status (positive errno or 0) and TLVs. */
export function parseDone(msg: NetlinkMessage): { errno: number; extack: ExtAck } {
  const p = msg.payload;
  if (p.length < 4) throw new NetlinkParseError(`Truncated NLMSG_DONE: ${p.length} bytes, 4 needed`);
  const status = new DataView(p.buffer, p.byteOffset, 4).getInt32(0, true);
  const extack = (msg.flags & NLM_F_ACK_TLVS) !== 0 ? parseExtAck(p.subarray(4)) : {};
  return { errno: status < 0 ? -status : 0, extack };
}

/**
 * nfgenmsg and batch framing against nft's own bytes, and the bookkeeping of a batch's
 * replies against what the kernel answered to a committed and a refused batch.
 */
import { describe, expect, it } from "vitest";
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, encodeMessage, splitMessages, NLMSG_ERROR, concatBytes } from "../wire/index.ts";
import { NFNL_SUBSYS_NFTABLES, NFPROTO_INET, NFT_MSG_NEWSETELEM, nfnlMsgType } from "./constants.ts";
import { BatchReplies, decodeNfGenMsg, encodeBatch, encodeNfGenMsg } from "./nfnetlink.ts";
import * as cap from "./testdata/captured.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("nfgenmsg", () => {
  it("holds the family, version 0 and a big-endian res_id", () => {
    expect(hex(encodeNfGenMsg(NFPROTO_INET))).toBe("01000000");
    expect(hex(encodeNfGenMsg(0, NFNL_SUBSYS_NFTABLES))).toBe("0000000a");
    const d = decodeNfGenMsg(cap.fromHex(cap.GETSET_PM));
    expect([d.family, d.version, d.resId]).toEqual([NFPROTO_INET, 0, 20]);
    expect(d.attrs.str(2)).toBe("pm");
  });

  it("refuses a payload shorter than the header", () => {
    expect(() => decodeNfGenMsg(Uint8Array.of(1, 0))).toThrow(/Truncated nfgenmsg/);
  });
});

describe("encodeBatch", () => {
  const element = { type: nfnlMsgType(NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWSETELEM), flags: NLM_F_CREATE | NLM_F_EXCL, payload: cap.fromHex(cap.NFT_ADD_PM) };

  it("frames messages between BATCH_BEGIN and BATCH_END as nft does, each asking for an ack", () => {
    const batch = encodeBatch(NFNL_SUBSYS_NFTABLES, [element], 0);
    const [begin, msg, end, ...rest] = splitMessages(batch.bytes);
    expect(rest).toEqual([]);
    // nft's BEGIN/END differ from ours only in the ack flag (byte 6).
    const ack = (h: string): string => h.slice(0, 12) + "05" + h.slice(14);
    expect(hex(encodeMessage(begin!, begin!.payload))).toBe(ack(cap.NFT_BATCH_BEGIN));
    expect(hex(encodeMessage(end!, end!.payload))).toBe(ack(cap.NFT_BATCH_END));
    expect(msg).toMatchObject({ type: 0x0a0c, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq: 1 });
    expect(hex(msg!.payload)).toBe(cap.NFT_ADD_PM);
    expect([batch.beginSeq, batch.seqs, batch.endSeq]).toEqual([0, [1], 2]);
  });

  it("numbers messages in order from the first sequence number", () => {
    const batch = encodeBatch(NFNL_SUBSYS_NFTABLES, [element, element, element], 100);
    expect(splitMessages(batch.bytes).map((m) => m.seq)).toEqual([100, 101, 102, 103, 104]);
    expect(batch.seqs).toEqual([101, 102, 103]);
  });
});

describe("BatchReplies", () => {
  const twoAdds = encodeBatch(NFNL_SUBSYS_NFTABLES, [0, 1].map(() => ({ type: 0x0a0c, flags: 0, payload: new Uint8Array(4) })), 100);
  const feed = (replies: BatchReplies, datagrams: readonly string[]): boolean[] =>
    datagrams.flatMap((d) => splitMessages(cap.fromHex(d)).map((m) => replies.take(m)));

  it("settles on BATCH_END's ack: committed", () => {
    const replies = new BatchReplies(twoAdds);
    expect(feed(replies, cap.BATCH_COMMITTED_REPLIES)).toEqual([false, false, false, true]);
    expect(replies.outcome).toEqual({ committed: true, failures: [] });
  });

  it("settles once every message is answered and one was refused, naming it", () => {
    const replies = new BatchReplies(twoAdds);
    expect(feed(replies, cap.BATCH_EEXIST_REPLIES)).toEqual([false, false, true]);
    expect(replies.outcome).toEqual({ committed: false, failures: [{ index: 1, errno: 17, extack: { offset: 40 } }] });
  });

  it("settles on an error against BATCH_BEGIN (refused or failed to commit)", () => {
    const replies = new BatchReplies(twoAdds);
    const eperm = encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 100, pid: 0 }, concatBytes([Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(16)]));
    expect(replies.take(splitMessages(eperm)[0]!)).toBe(true);
    expect(replies.outcome.batchError?.errno).toBe(1);
    expect(replies.outcome.committed).toBe(false);
  });

  it("ignores replies to other requests and repeated answers", () => {
    const replies = new BatchReplies(twoAdds);
    const stray = encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 7, pid: 0 }, concatBytes([Uint8Array.of(0xef, 0xff, 0xff, 0xff), new Uint8Array(16)]));
    expect(replies.take(splitMessages(stray)[0]!)).toBe(false);
    const [, first] = cap.BATCH_EEXIST_REPLIES;
    expect(feed(replies, [first!, first!])).toEqual([false, false]);
    expect(replies.outcome.failures).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { attr, encodeAttrs } from "./attr.ts";
import {
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  RTM_GETLINK,
  RTM_NEWLINK,
} from "./constants.ts";
import { DumpInterruptedError, NetlinkConn, type Transport } from "./engine.ts";
import { NetlinkError, NetlinkParseError } from "./errors.ts";
import { concatBytes, encodeMessage, splitMessages, type NetlinkMessage } from "./message.ts";

const PORT = 4242;

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** Reply builders, as the kernel would address them to our port. */
const reply = {
  part: (seq: number, n: number, flags = NLM_F_MULTI, pid = PORT) =>
    encodeMessage({ type: RTM_NEWLINK, flags, seq, pid }, Uint8Array.of(n, 0, 0, 0)),
  done: (seq: number, errno = 0, flags = NLM_F_MULTI, tlvs: Uint8Array = new Uint8Array(0)) =>
    encodeMessage({ type: NLMSG_DONE, flags, seq, pid: PORT }, concatBytes([int32(-errno), tlvs])),
  ack: (req: NetlinkMessage, errno = 0, tlvs?: Uint8Array, pid = PORT) => {
    const echo = encodeMessage(req, req.payload).subarray(0, 16);
    const flags = NLM_F_CAPPED | (tlvs ? NLM_F_ACK_TLVS : 0);
    return encodeMessage({ type: NLMSG_ERROR, flags, seq: req.seq, pid }, concatBytes([int32(-errno), echo, tlvs ?? new Uint8Array(0)]));
  },
};

/**
 * A scripted kernel: each request sent is handed to `respond`, whose datagrams are queued for
 * recv(). An empty queue behaves like a socket whose receive timed out.
 */
class FakeKernel implements Transport {
  readonly portId = PORT;
  readonly sent: NetlinkMessage[] = [];
  readonly #queue: Uint8Array[] = [];
  readonly #respond: (req: NetlinkMessage, nth: number) => Uint8Array[];

  constructor(respond: (req: NetlinkMessage, nth: number) => Uint8Array[]) {
    this.#respond = respond;
  }

  send(bytes: Uint8Array): void {
    const [req] = splitMessages(bytes);
    if (req === undefined) throw new Error("empty send");
    this.sent.push(req);
    this.#queue.push(...this.#respond(req, this.sent.length));
  }

  recv(): Uint8Array {
    const next = this.#queue.shift();
    if (next === undefined) throw Object.assign(new Error("timed out"), { errno: 110, detail: "no reply from the kernel within 10 ms" });
    return next;
  }
}

describe("requests", () => {
  it("sends NLM_F_REQUEST|NLM_F_ACK with fresh sequence numbers and returns on the ack", () => {
    const kernel = new FakeKernel((req) => [reply.ack(req)]);
    const conn = new NetlinkConn(kernel, { firstSeq: 100 });
    expect(conn.request("add link \"a\"", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, Uint8Array.of(1, 2, 3, 4))).toEqual([]);
    conn.request("add link \"b\"", RTM_NEWLINK, 0, new Uint8Array(4));
    expect(kernel.sent.map((m) => [m.seq, m.flags])).toEqual([
      [100, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL],
      [101, NLM_F_REQUEST | NLM_F_ACK],
    ]);
    expect(Array.from(kernel.sent[0]?.payload ?? [])).toEqual([1, 2, 3, 4]);
  });

  it("returns a GET's answer, which comes before the ack, even in the same datagram", () => {
    const kernel = new FakeKernel((req) => [concatBytes([reply.part(req.seq, 7, 0), reply.ack(req)])]);
    const replies = new NetlinkConn(kernel).request("find link \"lo\"", RTM_GETLINK, 0, new Uint8Array(16));
    expect(replies.map((m) => m.payload[0])).toEqual([7]);
  });

  it("throws the kernel's refusal as a NetlinkError with errno, code and extack", () => {
    const tlvs = encodeAttrs([attr.str(NLMSGERR_ATTR_MSG, "Link already exists"), attr.u32(NLMSGERR_ATTR_OFFS, 36)]);
    const kernel = new FakeKernel((req) => [reply.ack(req, 17, tlvs)]);
    const err = (() => {
      try {
        new NetlinkConn(kernel).request("add link \"veth0\"", RTM_NEWLINK, 0, new Uint8Array(16));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ op: "add link \"veth0\"", errno: 17, code: "EEXIST", extack: "Link already exists", extackOffset: 36 });
    expect((err as Error).message).toBe("Cannot add link \"veth0\": EEXIST (file exists): Link already exists");
  });

  it("words an error without extack as code and description only", () => {
    const kernel = new FakeKernel((req) => [reply.ack(req, 19)]);
    expect(() => new NetlinkConn(kernel).request("delete link \"x\"", RTM_NEWLINK, 0, new Uint8Array(16))).toThrow(
      /^Cannot delete link "x": ENODEV \(no such device\)$/,
    );
  });

  it("skips replies with another sequence number or port id, and NLMSG_NOOP", () => {
    const kernel = new FakeKernel((req) => [
      // A late failure of an earlier request, a message for another socket, a no-op, then ours.
      reply.ack({ ...req, seq: req.seq - 1 }, 17),
      reply.ack(req, 22, undefined, PORT + 1),
      encodeMessage({ type: NLMSG_NOOP, flags: 0, seq: req.seq, pid: PORT }, new Uint8Array(0)),
      reply.ack(req),
    ]);
    expect(new NetlinkConn(kernel, { firstSeq: 5 }).request("set link \"a\" up", RTM_NEWLINK, 0, new Uint8Array(16))).toEqual([]);
  });

  it("turns a receive timeout into a NetlinkError ETIMEDOUT naming the operation", () => {
    const kernel = new FakeKernel(() => []);
    let err: unknown;
    try {
      new NetlinkConn(kernel).request("find link \"lo\"", RTM_GETLINK, 0, new Uint8Array(16));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: "ETIMEDOUT", op: "find link \"lo\"" });
    expect((err as Error).message).toBe("Cannot find link \"lo\": ETIMEDOUT (timed out): no reply from the kernel within 10 ms");
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it("lets a malformed reply fail with NetlinkParseError", () => {
    const kernel = new FakeKernel(() => [Uint8Array.of(0x40, 0, 0, 0, 2, 0, 0, 0)]);
    expect(() => new NetlinkConn(kernel).request("x", RTM_NEWLINK, 0, new Uint8Array(0))).toThrow(NetlinkParseError);
  });
});

describe("dumps", () => {
  it("sends NLM_F_DUMP without NLM_F_ACK and collects parts over several datagrams until NLMSG_DONE", () => {
    const kernel = new FakeKernel((req) => [
      concatBytes([reply.part(req.seq, 1), reply.part(req.seq, 2)]),
      concatBytes([reply.part(req.seq, 3), reply.part(req.seq, 4)]),
      concatBytes([reply.part(req.seq, 5), reply.done(req.seq)]),
    ]);
    const msgs = new NetlinkConn(kernel).dump("dump links", RTM_GETLINK, new Uint8Array(16));
    expect(msgs.map((m) => m.payload[0])).toEqual([1, 2, 3, 4, 5]);
    expect(kernel.sent[0]?.flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
  });

  it("retries the whole dump when a part is flagged NLM_F_DUMP_INTR, and returns the clean attempt", () => {
    const kernel = new FakeKernel((req, nth) => {
      const intr = nth <= 2 ? NLM_F_DUMP_INTR : 0;
      return [
        concatBytes([reply.part(req.seq, nth * 10 + 1), reply.part(req.seq, nth * 10 + 2, NLM_F_MULTI | intr)]),
        reply.done(req.seq, 0, NLM_F_MULTI | intr),
      ];
    });
    const msgs = new NetlinkConn(kernel).dump("dump links", RTM_GETLINK, new Uint8Array(16));
    expect(msgs.map((m) => m.payload[0])).toEqual([31, 32]);
    expect(kernel.sent.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("gives up after dumpAttempts interrupted dumps with DumpInterruptedError holding the last partial result", () => {
    const kernel = new FakeKernel((req, nth) => [
      concatBytes([reply.part(req.seq, nth, NLM_F_MULTI | NLM_F_DUMP_INTR), reply.done(req.seq, 0, NLM_F_MULTI | NLM_F_DUMP_INTR)]),
    ]);
    let err: unknown;
    try {
      new NetlinkConn(kernel, { dumpAttempts: 3 }).dump("dump routes", RTM_GETLINK, new Uint8Array(12));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DumpInterruptedError);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ attempts: 3, code: "EINTR", op: "dump routes" });
    expect((err as DumpInterruptedError).partial).toHaveLength(1);
    expect(kernel.sent).toHaveLength(3);
  });

  it("throws the error an NLMSG_DONE carries, with its extack", () => {
    const tlvs = encodeAttrs([attr.str(NLMSGERR_ATTR_MSG, "Filter by device index not supported for link dumps")]);
    const kernel = new FakeKernel((req) => [reply.done(req.seq, 22, NLM_F_MULTI | NLM_F_ACK_TLVS, tlvs)]);
    expect(() => new NetlinkConn(kernel).dump("dump links", RTM_GETLINK, new Uint8Array(16))).toThrow(
      "Cannot dump links: EINVAL (invalid argument): Filter by device index not supported for link dumps",
    );
  });

  it("throws an NLMSG_ERROR that refuses the dump outright", () => {
    const kernel = new FakeKernel((req) => [reply.ack(req, 95)]);
    expect(() => new NetlinkConn(kernel).dump("dump neighbours", RTM_GETLINK, new Uint8Array(12))).toThrow(/EOPNOTSUPP/);
  });

  it("ignores parts of an earlier, abandoned dump", () => {
    let first = true;
    const kernel = new FakeKernel((req) => {
      if (first) {
        first = false;
        return [reply.part(req.seq, 1)]; // never finished: the caller gives up on a timeout
      }
      return [reply.part(req.seq - 1, 99), concatBytes([reply.part(req.seq, 2), reply.done(req.seq)])];
    });
    const conn = new NetlinkConn(kernel);
    expect(() => conn.dump("dump links", RTM_GETLINK, new Uint8Array(16))).toThrow(/ETIMEDOUT/);
    expect(conn.dump("dump links", RTM_GETLINK, new Uint8Array(16)).map((m) => m.payload[0])).toEqual([2]);
  });
});

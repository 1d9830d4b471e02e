/**
 * Fake netfilter kernels for the handles' unit tests: just enough of nf_tables (sets of keys,
 * batches that commit or abort) and ctnetlink (a table of entries) to drive the handles'
 * logic — fallbacks, retries, error mapping — without root.
 */
import { AttrSet, NLMSG_DONE, NLMSG_ERROR, NLM_F_MULTI, concatBytes, encodeMessage, splitMessages, type NetlinkMessage } from "../../wire/index.ts";
import {
  CTA_ID,
  IPCTNL_MSG_CT_DELETE,
  IPCTNL_MSG_CT_GET,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFTA_DATA_VALUE,
  NFTA_LIST_ELEM,
  NFTA_SET_ELEM_KEY,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_NAME,
  NFTA_CHAIN_NAME,
  NFT_MSG_DELCHAIN,
  NFT_MSG_DELSETELEM,
  NFT_MSG_DESTROYSETELEM,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_GETSET,
  NFT_MSG_NEWSETELEM,
} from "../constants.ts";
import { decodeNfGenMsg, readBe32 } from "../nfnetlink.ts";

function reply(req: NetlinkMessage, errno: number): Uint8Array {
  const status = new Uint8Array(4);
  new DataView(status.buffer).setInt32(0, -errno, true);
  const echo = encodeMessage(req, new Uint8Array(0)).subarray(0, 16);
  return encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: req.seq, pid: 0 }, concatBytes([status, echo]));
}

abstract class FakeKernel {
  readonly portId = 0;
  readonly datagrams: NetlinkMessage[][] = [];
  closed = false;
  protected queue: Uint8Array[] = [];

  send(bytes: Uint8Array): void {
    const messages = splitMessages(bytes);
    this.datagrams.push(messages);
    this.handle(messages);
  }

  protected abstract handle(messages: NetlinkMessage[]): void;

  protected answer(req: NetlinkMessage, errno: number): void {
    this.queue.push(reply(req, errno));
  }

  recv(): Uint8Array {
    const d = this.queue.shift();
    if (d === undefined) throw new Error("the fake kernel has nothing to say");
    return d;
  }

  close(): void {
    this.closed = true;
  }
}

/** nf_tables with sets described by captured GETSET answers; elements are their key bytes. */
export class FakeNfTables extends FakeKernel {
  /** Set name → its GETSET answer payload. */
  readonly sets: Map<string, Uint8Array>;
  /** Set name → keys (hex) present. */
  readonly elements = new Map<string, Set<string>>();
  /** A kernel before 6.3: NFT_MSG_DESTROYSETELEM is unknown (EINVAL). */
  knowsDestroy = true;
  /** Regular chains present (NEWCHAIN adds, DELCHAIN removes or answers ENOENT). */
  chains = new Set<string>();

  constructor(sets: Record<string, Uint8Array>) {
    super();
    this.sets = new Map(Object.entries(sets));
    for (const name of this.sets.keys()) this.elements.set(name, new Set());
  }

  protected handle(messages: NetlinkMessage[]): void {
    const first = messages[0];
    if (first === undefined) return;
    if (first.type === NFNL_MSG_BATCH_BEGIN) return this.#batch(messages);
    if ((first.type & 0xff) === NFT_MSG_GETSET) {
      const name = decodeNfGenMsg(first.payload).attrs.str(NFTA_SET_NAME) ?? "";
      const info = this.sets.get(name);
      if (info === undefined) return this.answer(first, 2);
      this.queue.push(encodeMessage({ type: first.type, flags: 0, seq: first.seq, pid: 0 }, info));
      return this.answer(first, 0);
    }
    this.answer(first, 95);
  }

  #batch(messages: NetlinkMessage[]): void {
    const [begin, ...rest] = messages;
    const end = rest.pop();
    if (begin === undefined || end?.type !== NFNL_MSG_BATCH_END) throw new Error("malformed batch");
    this.answer(begin, 0);
    const staged = new Map([...this.elements].map(([k, v]) => [k, new Set(v)]));
    const chains = new Set(this.chains);
    let failed = false;
    for (const m of rest) {
      const { attrs } = decodeNfGenMsg(m.payload);
      if ((m.type & 0xff) === NFT_MSG_NEWCHAIN || (m.type & 0xff) === NFT_MSG_DELCHAIN) {
        const name = attrs.str(NFTA_CHAIN_NAME) ?? "";
        const errno = (m.type & 0xff) === NFT_MSG_NEWCHAIN ? (chains.add(name), 0) : chains.delete(name) ? 0 : 2;
        if (errno !== 0) failed = true;
        this.answer(m, errno);
        continue;
      }
      const keys = staged.get(attrs.str(NFTA_SET_ELEM_LIST_SET) ?? "");
      // An element is known by its first entry's key (an interval's start).
      const first = attrs.nested(NFTA_SET_ELEM_LIST_ELEMENTS)?.list.find((a) => a.type === NFTA_LIST_ELEM);
      const item = first === undefined ? undefined : AttrSet.parse(first.data);
      const key = Buffer.from(item?.nested(NFTA_SET_ELEM_KEY)?.get(NFTA_DATA_VALUE) ?? []).toString("hex");
      let errno = 0;
      const type = m.type & 0xff;
      if (keys === undefined) errno = 2;
      else if (type === NFT_MSG_NEWSETELEM) {
        if (keys.has(key)) errno = 17;
        keys.add(key);
      }
      else if (type === NFT_MSG_DELSETELEM) errno = keys.delete(key) ? 0 : 2;
      else if (type === NFT_MSG_DESTROYSETELEM && this.knowsDestroy) keys.delete(key);
      else errno = 22;
      if (errno !== 0) failed = true;
      this.answer(m, errno);
    }
    if (failed) return;
    for (const [k, v] of staged) this.elements.set(k, v);
    this.chains = chains;
    this.answer(end, 0);
  }
}

/** ctnetlink over a table of entries (dump payloads); `vanishing` ids are gone when deleted. */
export class FakeConntrack extends FakeKernel {
  entries: Uint8Array[];
  readonly vanishing = new Set<number>();
  /** The nfgen family of each dump asked for (0: every family). */
  readonly dumpFamilies: number[] = [];

  constructor(entries: Uint8Array[]) {
    super();
    this.entries = entries;
  }

  static idOf(payload: Uint8Array): number | undefined {
    return readBe32(AttrSet.parse(payload.subarray(4)), CTA_ID);
  }

  protected handle(messages: NetlinkMessage[]): void {
    for (const m of messages) {
      if ((m.type & 0xff) === IPCTNL_MSG_CT_GET) {
        this.dumpFamilies.push(m.payload[0] ?? -1);
        for (const e of this.entries) this.queue.push(encodeMessage({ type: 0x0100, flags: NLM_F_MULTI, seq: m.seq, pid: 0 }, e));
        this.queue.push(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: m.seq, pid: 0 }, new Uint8Array(4)));
      } else if ((m.type & 0xff) === IPCTNL_MSG_CT_DELETE) {
        const id = FakeConntrack.idOf(m.payload);
        const before = this.entries.length;
        this.entries = this.entries.filter((e) => FakeConntrack.idOf(e) !== id);
        this.answer(m, this.entries.length < before && !this.vanishing.has(id ?? -1) ? 0 : 2);
      }
    }
  }
}

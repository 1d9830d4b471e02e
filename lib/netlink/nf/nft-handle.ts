/**
 * NftHandle: nftables over a NETLINK_NETFILTER socket bound to one network namespace — what
 * `nft add/delete element`, `add/delete chain`, `add set` and `add rule` do, without a process
 * per change. Tables and base chains are made elsewhere (`nft -f`); this fills an existing
 * table. Changes go in as one nfnetlink batch, which nf_tables applies atomically.
 */
import type { Netns } from "../../netns/index.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NetlinkConn, NetlinkError, splitMessages } from "../wire/index.ts";
import { decodeChain, describeChain, encodeChain, type NftChainInfo, type NftChainRef } from "./chains.ts";
import {
  NFNL_SUBSYS_NFTABLES,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETRULE,
  NFT_MSG_DELSETELEM,
  NFT_MSG_DESTROYSETELEM,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_NEWSETELEM,
  nfnlMsgType,
} from "./constants.ts";
import { BatchReplies, encodeBatch, type BatchFailure, type BatchMessage, type BatchOutcome } from "./nfnetlink.ts";
import { describeObjectChange, isDeletion, objectMessage, type NftObjectChange } from "./objects.ts";
import { openNetfilterSocket, type NfHandleOptions, type NfTransport } from "./open.ts";
import { decodeRule, encodeChainRules, type NftRuleInfo } from "./rules.ts";
import {
  decodeElements,
  decodeSetInfo,
  describeSet,
  encodeElementMessage,
  encodeGetSet,
  encodeGetSetElements,
  formatElement,
  type ElementOp,
  type NftElement,
  type NftFamily,
  type NftSetInfo,
} from "./set-elements.ts";
import { NftValueError, type NftFieldType } from "./values.ts";

const EINVAL = 22;
/** Receive-buffer room one queued ack takes (its skb's truesize, with margin). */
const ACK_ROOM = 2048;
const ENOENT = 2;

export interface NftElementChange {
  op: "add" | "delete";
  family: NftFamily;
  table: string;
  set: string;
  elements: readonly NftElement[];
}

/** A change of a transaction: element changes, or changes to chains, sets and rules. */
export type NftChange = NftElementChange | NftObjectChange;

export interface NftApplyOptions {
  /** Deleting an element, a chain or a set that is not there is not an error. */
  ignoreMissing?: boolean;
  /** Adding an element that is already there, with the same data, is not an error. */
  ignoreExisting?: boolean;
}

/**
 * A change the kernel refused; the whole batch was rolled back. Names the set and element,
 * and is a NetlinkError with the kernel's errno (EEXIST, ENOENT...).
 */
export class NftElementError extends NetlinkError {
  readonly family: NftFamily;
  readonly table: string;
  readonly set: string;
  readonly element: NftElement;
  /** How many other changes of the batch were refused too. */
  readonly others: number;

  constructor(change: NftElementChange, element: NftElement, failure: BatchFailure, others: number) {
    const op = `${change.op === "add" ? "add" : "delete"} element ${formatElement(element)} ${change.op === "add" ? "to" : "from"} ${describeSet(change.family, change.table, change.set)}`;
    const options: ConstructorParameters<typeof NetlinkError>[2] = {};
    if (failure.extack.message !== undefined) options.extack = failure.extack.message;
    if (failure.extack.offset !== undefined) options.extackOffset = failure.extack.offset;
    if (others > 0 && failure.extack.message === undefined) options.detail = `${others} other change${others === 1 ? "" : "s"} of the batch refused too; nothing was applied`;
    super(op, failure.errno, options);
    this.name = "NftElementError";
    this.family = change.family;
    this.table = change.table;
    this.set = change.set;
    this.element = element;
    this.others = others;
  }
}

/**
 * A change to a chain, set or rule the kernel refused; the whole batch was rolled back. Names
 * the object (`Cannot delete chain inet berth x: EBUSY …`) and carries the kernel's errno.
 */
export class NftObjectError extends NetlinkError {
  readonly change: NftObjectChange;
  /** How many other changes of the batch were refused too. */
  readonly others: number;

  constructor(change: NftObjectChange, failure: BatchFailure, others: number) {
    const options: NetlinkErrorOptions = extackOptions(failure.extack);
    if (others > 0 && failure.extack.message === undefined) options.detail = `${others} other change${others === 1 ? "" : "s"} of the batch refused too; nothing was applied`;
    super(describeObjectChange(change), failure.errno, options);
    this.name = "NftObjectError";
    this.change = change;
    this.others = others;
  }
}

type Item = { change: NftElementChange; element: NftElement; info: NftSetInfo } | { change: NftObjectChange };

function isElementChange(c: NftChange): c is NftElementChange {
  return c.op === "add" || c.op === "delete";
}

export class NftHandle {
  /** The request engine, for GETs and dumps. */
  readonly conn: NetlinkConn;
  readonly #socket: NfTransport;
  readonly #sets = new Map<string, NftSetInfo>();
  /** Sequence numbers of batches, apart from the engine's. */
  #seq = 0x4000_0000;
  /** Whether the kernel knows NFT_MSG_DESTROYSETELEM (6.3+); learned on first refusal. */
  #destroy = true;
  #closed = false;

  /** A handle over any transport (a socket from openNetfilterSocket, a fake kernel in tests); it owns it. */
  constructor(socket: NfTransport) {
    this.#socket = socket;
    this.conn = new NetlinkConn(socket);
  }

  /** Open a handle on a namespace (path or Netns), or on the calling thread's own. */
  static open(ns?: Netns | string, options?: NfHandleOptions): NftHandle {
    return new NftHandle(openNetfilterSocket(ns, options));
  }

  /**
   * A set's description (flags, key and data lengths and types), as the kernel has it.
   * Cached for the life of the handle. Throws NetlinkError ENOENT when there is no such set.
   */
  setInfo(family: NftFamily, table: string, set: string): NftSetInfo {
    const id = setId(family, table, set);
    const cached = this.#sets.get(id);
    if (cached) return cached;
    const replies = this.conn.request(`find ${describeSet(family, table, set)}`, nfnlMsgType(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETSET), 0, encodeGetSet(family, table, set));
    const reply = replies[0];
    if (reply === undefined) throw new NetlinkError(`find ${describeSet(family, table, set)}`, ENOENT, { detail: "the kernel sent no description" });
    const info = decodeSetInfo(reply.payload, family);
    this.#sets.set(id, info);
    return info;
  }

  /**
   * Apply element changes as one nfnetlink batch: all of them or none. Adding an element
   * that exists, or deleting one that does not, is refused unless the options say otherwise.
   * Throws NftElementError naming the first refused element (nothing was applied then).
   */
  apply(changes: readonly NftElementChange[], options: NftApplyOptions = {}): void {
    this.transact(changes, options);
  }

  /**
   * Apply changes to chains, sets, rules and elements, in order, as one transaction: all of
   * them or none. Element changes name sets that exist before the batch (their shape is asked
   * for first). With `ignoreMissing`, deleting what is not there (an element, chain or set) is
   * skipped. Throws NftObjectError or NftElementError naming the first refused change.
   */
  transact(changes: readonly NftChange[], options: NftApplyOptions = {}): void {
    let items: Item[] = changes.flatMap((change): Item[] => {
      if (!isElementChange(change)) return [{ change }];
      if (change.elements.length === 0) return [];
      let info: NftSetInfo;
      try {
        info = this.setInfo(change.family, change.table, change.set);
      } catch (err) {
        // Deleting from a set that is gone (a flushed ruleset): nothing to delete.
        if (change.op === "delete" && options.ignoreMissing && err instanceof NetlinkError && err.errno === ENOENT) return [];
        throw err;
      }
      return change.elements.map((element) => ({ change, element, info }));
    });
    const deletion = (item: Item | undefined): boolean => item !== undefined && ("element" in item ? item.change.op === "delete" : isDeletion(item.change));
    // Each pass either commits, learns something that makes the next pass different
    // (DESTROYSETELEM unknown, once; objects already gone, dropped), or throws: it terminates.
    for (;;) {
      if (items.length === 0) return;
      const destroy = this.#destroy && options.ignoreMissing === true;
      const outcome = this.#runBatch(items.map((item, i) => this.#message(item, i + 1, destroy, options)));
      if (outcome.committed) {
        for (const item of items) if (!("element" in item) && item.change.op === "delete set") this.#sets.delete(setId(item.change.set.family, item.change.set.table, item.change.set.name));
        return;
      }
      if (outcome.batchError) throw new NetlinkError(`apply ${items.length} nftables change${items.length === 1 ? "" : "s"}`, outcome.batchError.errno, extackOptions(outcome.batchError.extack));
      const failed = outcome.failures;
      // Learn from this pass: DESTROYSETELEM unknown (EINVAL), deletions of what is gone (ENOENT).
      const unknownDestroy = failed.filter((f) => f.errno === EINVAL && isDestroyed(items[f.index], destroy));
      const missing = options.ignoreMissing ? failed.filter((f) => f.errno === ENOENT && deletion(items[f.index]) && !isDestroyed(items[f.index], destroy)) : [];
      if (failed.length > 0 && unknownDestroy.length + missing.length === failed.length) {
        if (unknownDestroy.length > 0) this.#destroy = false;
        const gone = new Set(missing.map((f) => f.index));
        items = items.filter((_, i) => !gone.has(i));
        continue;
      }
      const first = failed[0];
      const item = first === undefined ? undefined : items[first.index];
      if (first === undefined || item === undefined) throw new NetlinkError("apply nftables changes", EINVAL, { detail: "the kernel refused the batch without saying why" });
      if ("element" in item) throw new NftElementError(item.change, item.element, first, failed.length - 1);
      throw new NftObjectError(item.change, first, failed.length - 1);
    }
  }

  /** Whether a chain exists (GETCHAIN; ENOENT, for the chain or its table, is false). */
  chainExists(chain: NftChainRef): boolean {
    return this.chainInfo(chain) !== undefined;
  }

  /** A chain's description, or undefined when it (or its table) does not exist. */
  chainInfo(chain: NftChainRef): NftChainInfo | undefined {
    try {
      const reply = this.conn.request(`find ${describeChain(chain)}`, nfnlMsgType(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETCHAIN), 0, encodeChain(chain))[0];
      return reply === undefined ? undefined : decodeChain(reply.payload);
    } catch (err) {
      if (err instanceof NetlinkError && err.errno === ENOENT) return undefined;
      throw err;
    }
  }

  /** The rules of a chain, in order (a GETRULE dump). Throws NetlinkError ENOENT without the chain. */
  listRules(chain: NftChainRef): NftRuleInfo[] {
    return this.conn.dump(`list ${describeChain(chain)}`, nfnlMsgType(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE), encodeChainRules(chain)).map((m) => decodeRule(m.payload));
  }

  #message(item: Item, id: number, destroy: boolean, options: NftApplyOptions): BatchMessage {
    if (!("element" in item)) return objectMessage(item.change, id);
    const add = item.change.op === "add";
    const op: ElementOp = add ? "add" : destroy ? "destroy" : "delete";
    const type = add ? NFT_MSG_NEWSETELEM : destroy ? NFT_MSG_DESTROYSETELEM : NFT_MSG_DELSETELEM;
    const flags = add ? NLM_F_CREATE | (options.ignoreExisting ? 0 : NLM_F_EXCL) : 0;
    return { type: nfnlMsgType(NFNL_SUBSYS_NFTABLES, type), flags, payload: encodeElementMessage(item.info, item.element, op) };
  }

  #runBatch(messages: readonly BatchMessage[]): BatchOutcome {
    const batch = encodeBatch(NFNL_SUBSYS_NFTABLES, messages, this.#seq);
    this.#seq = batch.endSeq >= 0x7fff_0000 ? 0x4000_0000 : batch.endSeq + 1;
    const op = "apply a batch of nftables changes";
    const replies = new BatchReplies(batch);
    try {
      // Every message's ack is queued before the first is read: make room for them all.
      this.#socket.reserve?.({ send: batch.bytes.length + 4096, receive: (messages.length + 2) * ACK_ROOM });
      this.#socket.send(batch.bytes);
      while (!replies.settled) {
        for (const m of splitMessages(this.#socket.recv())) {
          if ((this.#socket.portId === 0 || m.pid === this.#socket.portId) && replies.take(m)) break;
        }
      }
    } catch (err) {
      if (err instanceof NetlinkError) throw err;
      const e = err as { errno?: unknown };
      throw new NetlinkError(op, typeof e.errno === "number" ? e.errno : EINVAL, { cause: err });
    }
    return replies.outcome;
  }

  /**
   * The elements of a set or map, like `nft list set`. Field types default to those the set
   * was declared with (nft's type ids); give them for sets declared with types berth does
   * not know. Elements of interval sets carry `keyEnd`.
   */
  listElements(family: NftFamily, table: string, set: string, keyTypes?: readonly NftFieldType[], dataTypes?: readonly NftFieldType[]): NftElement[] {
    const info = this.setInfo(family, table, set);
    const keys = keyTypes ?? info.keyTypes;
    if (keys === undefined) throw new NftValueError(`The key types of ${describeSet(family, table, set)} are not ones berth knows: give them`);
    const messages = this.conn.dump(`list ${describeSet(family, table, set)}`, nfnlMsgType(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETSETELEM), encodeGetSetElements(family, table, set));
    return decodeElements(messages, info, keys, dataTypes ?? info.dataTypes);
  }

  /**
   * Close the socket. The kernel frees deleted elements after an RCU grace period, and
   * closing a netfilter socket first waits for any such pending release (kernel-wide): right
   * after a delete, close() takes ~10-20 ms; once the grace period has passed, ~0.02 ms. So
   * apply deletions early and close late, after other slow work (deleting a veth waits for
   * its own grace period: the two then overlap). Process exit closes the socket the same way.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function setId(family: NftFamily, table: string, set: string): string {
  return `${family}\0${table}\0${set}`;
}

/** Whether the item is an element delete sent as DESTROYSETELEM in this pass. */
function isDestroyed(item: Item | undefined, destroy = true): boolean {
  return destroy && item !== undefined && "element" in item && item.change.op === "delete";
}

type NetlinkErrorOptions = NonNullable<ConstructorParameters<typeof NetlinkError>[2]>;

function extackOptions(extack: { message?: string; offset?: number }): NetlinkErrorOptions {
  const options: NetlinkErrorOptions = {};
  if (extack.message !== undefined) options.extack = extack.message;
  if (extack.offset !== undefined) options.extackOffset = extack.offset;
  return options;
}

/** Open an NftHandle on a namespace (path or Netns), or on the calling thread's own. */
export function openNftHandle(ns?: Netns | string, options?: NfHandleOptions): NftHandle {
  return NftHandle.open(ns, options);
}

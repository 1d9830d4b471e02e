/**
 * One NftHandle per network namespace for the life of the process, for the calling thread's
 * namespace: its socket is opened on first use and closed at process exit, not after each
 * change.
 *
 * Why: closing a netfilter socket waits for nf_tables' pending destroy work (an RCU grace
 * period, 10-25 ms) when the transaction before it deleted something. A socket closed at
 * process exit, after the rest of the work, waits for nothing that has not passed already.
 *
 * The cache is keyed by the namespace's identity (the device and inode of
 * /proc/thread-self/ns/net), so code that switches namespaces gets the socket of the one it is
 * in. A cached socket keeps its namespace alive, so the cache holds a few namespaces only
 * (the least recently used goes first); closeSharedNftHandles() empties it.
 */
import { statSync } from "node:fs";
import { NetlinkError } from "../wire/index.ts";
import { NftElementError, NftHandle, NftObjectError } from "./nft-handle.ts";

const ENOENT = 2;

/** Namespaces whose handle stays open at once. */
const MAX_NAMESPACES = 4;

const handles = new Map<string, NftHandle>();

function namespaceKey(): string {
  const st = statSync("/proc/thread-self/ns/net");
  return `${st.dev}:${st.ino}`;
}

/**
 * Run `fn` with the calling thread's namespace's shared handle. A handle whose call failed for
 * another reason than the kernel refusing a change (a timeout, a broken socket) is closed and
 * forgotten, so the next call opens a fresh one. `fn` must not close the handle.
 */
export function withSharedNftHandle<T>(fn: (handle: NftHandle) => T): T {
  const key = namespaceKey();
  let handle = handles.get(key);
  if (handle === undefined) {
    handle = NftHandle.open();
    if (handles.size >= MAX_NAMESPACES) {
      const [oldest, old] = handles.entries().next().value as [string, NftHandle];
      handles.delete(oldest);
      old.close();
    }
  } else {
    handles.delete(key);
  }
  handles.set(key, handle);
  try {
    return fn(handle);
  } catch (err) {
    const refused = err instanceof NftObjectError || err instanceof NftElementError || (err instanceof NetlinkError && err.errno === ENOENT);
    if (!refused) {
      handles.delete(key);
      handle.close();
    }
    throw err;
  }
}

/** Close every shared handle (tests; a long-lived process leaving a namespace for good). */
export function closeSharedNftHandles(): void {
  for (const h of handles.values()) h.close();
  handles.clear();
}

/** How many namespaces have a shared handle open (for tests). */
export function sharedNftHandleCount(): number {
  return handles.size;
}

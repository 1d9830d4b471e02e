/**
 * What the macvlan plugin records for one attachment, and how it tears one down from CNI_NETNS
 * or, when the runtime sends none (or it vanished), from the namespace the record names — but
 * only when that path still holds the very namespace ADD used (a reused path is left alone).
 */
import { existsSync } from "node:fs";
import type { Logger } from "../../lib/cni/index.ts";
import { openHandle, type Link, type NetlinkHandle } from "../../lib/netlink/index.ts";
import type { AttachmentKey, AttachmentRecord } from "../../lib/store/index.ts";
import { deleteLinkIfOwned } from "../common/attachment.ts";
import { ownerAlias } from "../common/names.ts";
import { nsIdentity, sameNs, type NsIdentity } from "../common/shared-netns.ts";
import type { MacvlanModeName } from "./config.ts";

export interface MacvlanResources {
  /** The master's name as resolved by ADD (the default-route interface when none was set). */
  master: string;
  linkInContainer: boolean;
  mode: MacvlanModeName;
  ipamType?: string;
  /** The container namespace's identity at ADD time: DEL/GC without CNI_NETNS trust the path only if it matches. */
  netnsId?: NsIdentity;
  /** Container addresses, for readers of the record. */
  ips: string[];
}

/**
 * Ours: a macvlan carrying our alias, or none at all (an ADD killed between creating the link and
 * naming its owner). A macvlan another owner marked is never touched.
 */
export function ownedMacvlan(key: AttachmentKey): (link: Link) => boolean {
  const alias = ownerAlias(key.network, key.containerId, key.ifname);
  return (l) => l.kind === "macvlan" && (l.alias === undefined || l.alias === "" || l.alias === alias);
}

function identityOf(path: string): NsIdentity | undefined {
  try {
    return nsIdentity(path);
  } catch {
    return undefined;
  }
}

/** Run `fn` on a handle in `netns` when it is still a namespace; false when it is not. */
function inNamespace(netns: string, fn: (h: NetlinkHandle) => void): boolean {
  if (!existsSync(netns)) return false;
  let handle: NetlinkHandle;
  try {
    handle = openHandle(netns);
  } catch {
    return false; // not a namespace any more
  }
  try {
    fn(handle);
  } finally {
    handle.close();
  }
  return true;
}

/**
 * Delete the attachment's macvlan. CNI_NETNS (when set and still there) is the runtime's word;
 * else the recorded namespace, if its path still holds the same namespace. Gone is fine.
 */
export function teardownMacvlan(
  log: Logger,
  key: AttachmentKey,
  record: AttachmentRecord<Partial<MacvlanResources>> | undefined,
  netns: string | undefined,
): void {
  const owned = ownedMacvlan(key);
  const remove = (h: NetlinkHandle) => {
    if (deleteLinkIfOwned(h, key.ifname, owned)) log.debug({ ifname: key.ifname }, "macvlan removed");
  };
  if (netns !== undefined && netns !== "" && inNamespace(netns, remove)) return;
  const recorded = record?.netns;
  const id = record?.resources.netnsId;
  if (recorded === undefined || recorded === "" || recorded === netns || id === undefined) return;
  const now = identityOf(recorded);
  if (now === undefined || !sameNs(now, id)) {
    log.debug({ netns: recorded }, "the recorded namespace is gone (or the path holds another one): nothing to delete");
    return;
  }
  inNamespace(recorded, remove);
}

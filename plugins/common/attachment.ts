/**
 * What the interface plugins (bridge, ptp, macvlan) do the same way with their attachments:
 * start one (record first, undo stack), take IPAM's addresses, tear a veth pair down from its
 * record, and collect the stale attachments on GC.
 */
import { existsSync } from "node:fs";
import { cniError, type Dns, type GcContext, type Logger, type PluginContext, type ResultIp, type ResultRoute } from "../../lib/cni/index.ts";
import { isNetlinkError, openHandle, type Link, type NetlinkHandle } from "../../lib/netlink/index.ts";
import { DEFAULT_STATE_DIR, bootId, type AttachmentKey, type AttachmentRecord, type AttachmentStore } from "../../lib/store/index.ts";
import { hostVethName, ownerAlias } from "./names.ts";
import { Undo } from "./undo.ts";

/** Delete a link if it exists and `owned` says it is ours; true when something was deleted. */
export function deleteLinkIfOwned(handle: NetlinkHandle, name: string, owned: (link: Link) => boolean): boolean {
  const link = handle.linkFind(name);
  if (link === undefined || !owned(link)) return false;
  try {
    handle.linkDel(link);
    return true;
  } catch (err) {
    if (isNetlinkError(err, "ENODEV")) return false; // gone meanwhile (its peer was deleted)
    throw err;
  }
}

/**
 * Whether a host-side link named after an attachment is that attachment's veth: it carries the
 * attachment's alias, or is a veth with no alias at all (an ADD killed between creating the pair
 * and labelling it; the kernel takes no alias at creation). The name itself is a hash of the key.
 */
export function ownsHostVeth(link: Link, alias: string): boolean {
  return link.alias === alias || (link.kind === "veth" && (link.alias === undefined || link.alias === ""));
}

/**
 * Remove an attachment's veth pair: the container end when its namespace is still there (the host
 * end goes with it), and the host end by name otherwise, but only if it carries our alias.
 */
export function teardownVeth(
  log: Logger,
  key: AttachmentKey,
  record: AttachmentRecord<{ hostVeth?: string }> | undefined,
  netns: string | undefined,
): void {
  const hostVeth = record?.resources.hostVeth ?? hostVethName(key.network, key.containerId, key.ifname);
  const alias = ownerAlias(key.network, key.containerId, key.ifname);
  if (netns !== undefined && netns !== "" && existsSync(netns)) {
    let ctr: NetlinkHandle | undefined;
    try {
      ctr = openHandle(netns);
    } catch {
      ctr = undefined; // not a namespace any more
    }
    if (ctr !== undefined) {
      try {
        const end = ctr.linkFind(key.ifname);
        if (end !== undefined && end.kind === "veth") deleteLinkIfOwned(ctr, key.ifname, () => true);
      } finally {
        ctr.close();
      }
    }
  }
  using host = openHandle();
  deleteLinkIfOwned(host, hostVeth, (l) => ownsHostVeth(l, alias));
  log.debug({ hostVeth }, "links removed");
}

/**
 * GC: tear down every recorded attachment of the network that the runtime no longer lists.
 * No list means no information: nothing is removed. Keeps going past failures, then reports them.
 */
export function collectStale<C>(
  ctx: GcContext<C>,
  store: AttachmentStore,
  network: string,
  teardown: (key: AttachmentKey, record: AttachmentRecord<{ hostVeth?: string }> | undefined) => void,
  errorCode: number,
): void {
  const valid = ctx.validAttachments;
  if (valid === undefined) return;
  const keep = new Set(valid.map((a) => `${a.containerID}\0${a.ifname}`));
  const failures: string[] = [];
  for (const key of store.list(network)) {
    if (keep.has(`${key.containerId}\0${key.ifname}`)) continue;
    try {
      teardown(key, store.read(key));
      store.remove(key);
      ctx.log.info({ containerId: key.containerId, ifname: key.ifname }, "GC removed a stale attachment");
    } catch (err) {
      failures.push(`${key.containerId}/${key.ifname}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw cniError(errorCode, "GC could not remove every stale attachment", failures.join("; "));
}

/**
 * Start an ADD: write the attachment record (state "adding") before anything is created, and an
 * undo stack whose last step removes it again. The caller updates `record` and writes it as it goes.
 */
export function beginAttachment<R>(
  store: AttachmentStore,
  key: AttachmentKey,
  plugin: string,
  netns: string | undefined,
  resources: R,
  log: Logger,
): { record: AttachmentRecord<R>; undo: Undo } {
  const record: AttachmentRecord<R> = {
    ...key,
    plugin,
    ...(netns !== undefined ? { netns } : {}),
    createdAt: new Date().toISOString(),
    bootId: bootId(),
    state: "adding",
    resources,
  };
  store.write(record);
  const undo = new Undo(log);
  undo.push("remove the attachment record", () => store.remove(key));
  return { record, undo };
}

/** IPAM ADD for an interface plugin: its addresses (at least one), routes and DNS, released on undo. */
export async function ipamAddresses<C>(
  ctx: PluginContext<C>,
  undo: Undo,
  ipamType: string,
  errorCode: number,
): Promise<{ ips: ResultIp[]; routes: ResultRoute[]; dns: Dns | undefined }> {
  const ipam = await ctx.ipam("ADD");
  undo.push("release the IPAM addresses", () => ctx.ipam("DEL"));
  const ips = ipam?.ips ?? [];
  if (ips.length === 0) throw cniError(errorCode, `IPAM plugin "${ipamType}" returned no address`);
  return { ips, routes: [...(ipam?.routes ?? [])], dns: ipam?.dns };
}

/** An attachment's identity: (network, CNI_CONTAINERID, CNI_IFNAME). */
export function attachmentKey(ctx: PluginContext<{ name: string }>): AttachmentKey {
  return { network: ctx.conf.name, containerId: ctx.env.containerId as string, ifname: ctx.env.ifname as string };
}

/** Where a plugin keeps attachment records: the config's `stateDir`, else BERTH_STATE_DIR, else the default. */
export function stateDirOf(raw: Record<string, unknown>): string {
  return typeof raw.stateDir === "string" && raw.stateDir !== "" ? raw.stateDir : process.env.BERTH_STATE_DIR || DEFAULT_STATE_DIR;
}

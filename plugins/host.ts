/**
 * host: docker's --net=host as a CNI plugin. The container shares the host's network stack: ADD
 * binds the host's namespace at CNI_NETNS (a namespace file the runtime made and no process has
 * joined yet), or changes nothing when CNI_NETNS already is the host's namespace. The result
 * lists the host's interfaces and addresses and the host's DNS. DEL puts a fresh namespace back
 * at CNI_NETNS and never touches a host interface.
 */
import { existsSync, readFileSync } from "node:fs";
import { cniError, type NetConf, type Plugin, type PluginContext } from "../lib/cni/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, bootId, type AttachmentKey } from "../lib/store/index.ts";
import { parseResolvConf } from "../ipam/host-local/index.ts";
import { attachmentKey, collectStale, stateDirOf } from "./common/attachment.ts";
import { SHARE_ERROR, describeNamespace, nsIdentity, sameNs, shareInto, unshareFrom, type NsIdentity } from "./common/shared-netns.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";

const HOST_NS = "/proc/thread-self/ns/net";

interface HostConfig {
  name: string;
  stateDir: string;
  resolvConf: string;
}

interface HostResources {
  /** The host namespace this attachment bound at CNI_NETNS (absent when nothing was bound). */
  bound?: NsIdentity;
}

type Ctx = PluginContext<HostConfig>;
const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);
const store = (ctx: Ctx) => new AttachmentStore(ctx.conf.stateDir);

function parseHostConfig(raw: NetConf): HostConfig {
  return {
    name: raw.name,
    stateDir: stateDirOf(raw),
    resolvConf: typeof raw.resolvConf === "string" && raw.resolvConf !== "" ? raw.resolvConf : "/etc/resolv.conf",
  };
}

export const plugin: Plugin<HostConfig> = {
  name: "host",
  parseConfig: parseHostConfig,

  add(ctx) {
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    if (!existsSync(netns)) {
      throw cniError(SHARE_ERROR, `CNI_NETNS ${JSON.stringify(netns)} does not exist`, "the runtime must create the container's namespace file before ADD");
    }
    const records = store(ctx);
    const host = nsIdentity(HOST_NS);
    const willBind = !sameNs(nsIdentity(netns), host);
    // The record comes first, so a DEL after a kill half-way puts a fresh namespace back.
    records.write<HostResources>({ ...key, plugin: "host", netns, createdAt: new Date().toISOString(), bootId: bootId(), state: "adding", resources: willBind ? { bound: host } : {} });
    try {
      if (willBind) shareInto(netns, HOST_NS, "the host's network namespace");
    } catch (err) {
      records.remove(key);
      throw err;
    }
    using handle = openHandle();
    const result = describeNamespace(handle, netns, ctx.cniVersion);
    try {
      result.dns = parseResolvConf(readFileSync(ctx.conf.resolvConf, "utf8"));
    } catch {
      ctx.log.warn({ resolvConf: ctx.conf.resolvConf }, "No host resolv.conf to report");
    }
    records.write<HostResources>({ ...key, plugin: "host", netns, createdAt: new Date().toISOString(), bootId: bootId(), state: "ready", resources: willBind ? { bound: host } : {} });
    ctx.log.info({ netns, bound: willBind }, "container shares the host's network namespace");
    return result;
  },

  del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    const record = records.read<HostResources>(key);
    unshareFrom(ctx.env.netns ?? record?.netns, record?.resources.bound);
    records.remove(key);
  },

  check(ctx) {
    using _netns = openContainerHandle(ctx.env.netns); // names CNI_NETNS when it cannot be opened
    if (!sameNs(nsIdentity(ctx.env.netns as string), nsIdentity(HOST_NS))) {
      throw cniError(CHECK_FAILED, `CNI_NETNS ${JSON.stringify(ctx.env.netns)} is not the host's network namespace`);
    }
  },

  gc(ctx) {
    collectStale(ctx, store(ctx), ctx.conf.name, (_key, record) => unshareFrom(record?.netns, (record?.resources as HostResources | undefined)?.bound), SHARE_ERROR);
  },

  status() {},
};

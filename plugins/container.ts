/**
 * container: docker's --net=container:NAME as a CNI plugin. The container joins another one's
 * network namespace, named by exactly one of the keys `container` (a container ID berth has an
 * attachment record for), `netns` (a namespace path) or `pid` (a process in it). ADD binds that
 * namespace at CNI_NETNS (or changes nothing when CNI_NETNS already is it) and reports its
 * interfaces and addresses; DEL puts a fresh namespace back at CNI_NETNS, and the target keeps
 * working. A missing target is an error naming it, with nothing changed.
 */
import { existsSync } from "node:fs";
import { cniError, CniErrorCode, type NetConf, type Plugin, type PluginContext } from "../lib/cni/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, bootId, type AttachmentKey } from "../lib/store/index.ts";
import { attachmentKey, collectStale, stateDirOf } from "./common/attachment.ts";
import { SHARE_ERROR, describeNamespace, nsIdentity, sameNs, shareInto, unshareFrom, type NsIdentity } from "./common/shared-netns.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";

/** berth's code for "the container, namespace or process to join does not exist". */
const TARGET_MISSING = 102;

type Target = { kind: "container"; id: string } | { kind: "netns"; path: string } | { kind: "pid"; pid: number };

interface ContainerConfig {
  name: string;
  stateDir: string;
  target: Target;
}

interface ContainerResources {
  target: string;
  bound?: NsIdentity;
}

type Ctx = PluginContext<ContainerConfig>;
const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);
const store = (ctx: Ctx) => new AttachmentStore(ctx.conf.stateDir);

function parseContainerConfig(raw: NetConf): ContainerConfig {
  const given = (["container", "netns", "pid"] as const).filter((k) => raw[k] !== undefined && raw[k] !== "");
  if (given.length !== 1) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid container target", `set exactly one of "container" (a container ID), "netns" (a path) or "pid"; got ${given.length === 0 ? "none" : given.join(", ")}`);
  }
  let target: Target;
  if (raw.container !== undefined) {
    if (typeof raw.container !== "string" || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(raw.container)) throw cniError(CniErrorCode.INVALID_CONFIG, "invalid container", `not a container ID: ${JSON.stringify(raw.container)}`);
    target = { kind: "container", id: raw.container };
  } else if (raw.netns !== undefined) {
    if (typeof raw.netns !== "string" || !raw.netns.startsWith("/")) throw cniError(CniErrorCode.INVALID_CONFIG, "invalid netns", `netns must be an absolute path, got ${JSON.stringify(raw.netns)}`);
    target = { kind: "netns", path: raw.netns };
  } else {
    if (typeof raw.pid !== "number" || !Number.isInteger(raw.pid) || raw.pid <= 0) throw cniError(CniErrorCode.INVALID_CONFIG, "invalid pid", `pid must be a positive integer, got ${JSON.stringify(raw.pid)}`);
    target = { kind: "pid", pid: raw.pid };
  }
  return {
    name: raw.name,
    stateDir: stateDirOf(raw),
    target,
  };
}

/** The target's namespace path, or an error naming the target. */
function resolveTarget(ctx: Ctx): string {
  const t = ctx.conf.target;
  if (t.kind === "netns" || t.kind === "pid") {
    const path = t.kind === "netns" ? t.path : `/proc/${t.pid}/ns/net`;
    if (!existsSync(path)) throw cniError(TARGET_MISSING, `No network namespace to join at ${t.kind === "pid" ? `pid ${t.pid}` : JSON.stringify(path)}`, "the target must be running");
    return path;
  }
  const found = store(ctx)
    .findContainer(t.id)
    .filter((r) => r.netns !== undefined && r.netns !== ctx.env.netns && existsSync(r.netns))
    .sort((a, b) => (a.state === b.state ? 0 : a.state === "ready" ? -1 : 1));
  const path = found[0]?.netns;
  if (path === undefined) {
    throw cniError(TARGET_MISSING, `No container ${JSON.stringify(t.id)} to join`, `berth has no attachment of a container with that ID whose namespace still exists (state in ${ctx.conf.stateDir})`);
  }
  return path;
}

export const plugin: Plugin<ContainerConfig> = {
  name: "container",
  parseConfig: parseContainerConfig,

  add(ctx) {
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    if (!existsSync(netns)) throw cniError(SHARE_ERROR, `CNI_NETNS ${JSON.stringify(netns)} does not exist`, "the runtime must create the container's namespace file before ADD");
    const target = resolveTarget(ctx);
    const targetNs = nsIdentity(target);
    const willBind = !sameNs(nsIdentity(netns), targetNs);
    const records = store(ctx);
    const resources: ContainerResources = { target, ...(willBind ? { bound: targetNs } : {}) };
    records.write({ ...key, plugin: "container", netns, createdAt: new Date().toISOString(), bootId: bootId(), state: "adding", resources });
    try {
      if (willBind) shareInto(netns, target, `the network namespace of ${JSON.stringify(target)}`);
    } catch (err) {
      records.remove(key);
      throw err;
    }
    using handle = openHandle(netns);
    const result = describeNamespace(handle, netns, ctx.cniVersion);
    records.write({ ...key, plugin: "container", netns, createdAt: new Date().toISOString(), bootId: bootId(), state: "ready", resources });
    return result;
  },

  del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    const record = records.read<ContainerResources>(key);
    unshareFrom(ctx.env.netns ?? record?.netns, record?.resources.bound);
    records.remove(key);
  },

  check(ctx) {
    using _netns = openContainerHandle(ctx.env.netns);
    const target = resolveTarget(ctx);
    if (!sameNs(nsIdentity(ctx.env.netns as string), nsIdentity(target))) {
      throw cniError(CHECK_FAILED, `CNI_NETNS ${JSON.stringify(ctx.env.netns)} is not the namespace of ${JSON.stringify(target)}`);
    }
  },

  gc(ctx) {
    collectStale(ctx, store(ctx), ctx.conf.name, (_key, record) => unshareFrom(record?.netns, (record?.resources as ContainerResources | undefined)?.bound), SHARE_ERROR);
  },

  status() {},
};

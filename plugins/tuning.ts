/**
 * tuning: a chained plugin that changes an interface another plugin created (CNI_IFNAME in
 * CNI_NETNS) — its MAC, MTU, promiscuous and all-multicast modes, transmit queue length — and
 * net.* sysctls of the container's namespace. Same keys and precedence as the reference tuning
 * plugin (see tuning/config.ts); the prevResult is passed on, with the interface's new MAC.
 *
 * Where berth differs: before changing anything, ADD writes an attachment record (lib/store,
 * under `<stateDir>/.tuning/`) with the original value of everything it will change, sysctls
 * included; DEL and GC put those values back from it, and a failed ADD puts back what it had
 * changed. Link attributes are applied before sysctls, so an MTU change cannot reset a sysctl
 * derived from it. A reference backup file in `dataDir` is honoured by DEL when berth has no
 * record (an attachment made by the reference plugin before an upgrade).
 */
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { cniError, CniErrorCode, type Logger, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import type { NetlinkHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, bootId, type AttachmentKey, type AttachmentRecord } from "../lib/store/index.ts";
import { attachmentKey, collectStale } from "./common/attachment.ts";
import { Undo } from "./common/undo.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";
import { assertAllowed, assertNoDuplicateSysctlKeys, changesLink, parseTuningConfig, type TuningConfig } from "./tuning/config.ts";
import {
  TUNING_ERROR,
  applyConfig,
  differences,
  linkValuesFor,
  netnsIdentity,
  readSysctls,
  restoreSnapshot,
  sysctlName,
  targetValues,
  type LinkValues,
  type Snapshot,
} from "./tuning/state.ts";

interface TuningResources {
  /** "dev:ino" of the container namespace: DEL restores only in that very namespace. */
  netnsId: string;
  /** The interface's ifindex at ADD: its attributes are restored only while it is the same link. */
  ifindex?: number;
  /** The values before the first ADD of this attachment: what DEL and GC put back. */
  original: Snapshot;
  /** What the last ADD set. */
  applied: Snapshot;
}

type Ctx = PluginContext<TuningConfig>;
type TuningRecord = AttachmentRecord<TuningResources>;

const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);

/**
 * The records live apart from the interface plugins' (bridge, ptp): same network, container and
 * ifname, so the same key. A leading dot cannot be a network name, and the store skips it.
 */
const store = (ctx: Ctx) => new AttachmentStore(`${ctx.conf.stateDir}/.tuning`);

function requirePrevResult(ctx: Ctx): Result {
  if (ctx.prevResult === undefined) {
    throw cniError(
      CniErrorCode.INVALID_CONFIG,
      "Required prevResult missing",
      "tuning is a chained plugin: list it after a plugin that creates CNI_IFNAME (bridge, ptp, macvlan ...) in a conflist",
    );
  }
  return ctx.prevResult;
}

/** A repeated ADD keeps the values recorded by the first one (the current ones are already tuned). */
function mergeOriginal(first: Snapshot, now: Snapshot): Snapshot {
  const link: LinkValues = { ...now.link, ...first.link };
  const known = new Set(first.sysctls.map((s) => sysctlName(s.path)));
  return { link, sysctls: [...first.sysctls, ...now.sysctls.filter((s) => !known.has(sysctlName(s.path)))] };
}

/** Open CNI_NETNS for a teardown: undefined when it is gone or no longer a namespace. */
function openIfThere(netns: string | undefined, log: Logger): NetlinkHandle | undefined {
  if (netns === undefined || netns === "" || !existsSync(netns)) return undefined;
  try {
    return openContainerHandle(netns, { missingOk: true });
  } catch (err) {
    log.info({ netns, err: (err as Error).message }, "the namespace cannot be opened: nothing to restore");
    return undefined;
  }
}

/** DEL and GC: put the recorded original values back, if the namespace is still the one ADD tuned. */
function restoreRecorded(log: Logger, key: AttachmentKey, record: TuningRecord, netns: string | undefined): void {
  using ctr = openIfThere(netns ?? record.netns, log);
  if (ctr === undefined) return;
  if (netnsIdentity(ctr) !== record.resources.netnsId) {
    log.info({ netns: netns ?? record.netns }, "CNI_NETNS is another namespace than ADD tuned: nothing to restore");
    return;
  }
  const failures = restoreSnapshot(ctr, key.ifname, record.resources.ifindex, record.resources.original, log);
  if (failures.length > 0) log.warn({ ifname: key.ifname, failures }, "some original values could not be restored");
  else log.debug({ ifname: key.ifname }, "original values restored");
}

/** The reference plugin's backup file (MAC, promisc, MTU, allmulti, txqlen) → berth's snapshot. */
function referenceBackup(text: string): LinkValues | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const b = raw as Record<string, unknown>;
  const out: LinkValues = {};
  if (typeof b.mac === "string" && b.mac !== "") out.mac = b.mac.toLowerCase();
  if (typeof b.promisc === "boolean") out.promisc = b.promisc;
  if (typeof b.mtu === "number" && b.mtu > 0) out.mtu = b.mtu;
  if (typeof b.allmulti === "boolean") out.allmulti = b.allmulti;
  if (typeof b.txQLen === "number" && b.txQLen >= 0) out.txQLen = b.txQLen;
  return out;
}

/** DEL of an attachment berth has no record of: restore from the reference's backup file, if any. */
function restoreReferenceBackup(ctx: Ctx, key: AttachmentKey): void {
  const file = `${ctx.conf.dataDir}/${key.containerId}_${key.ifname}.json`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return;
  }
  const values = referenceBackup(text);
  using ctr = values === undefined ? undefined : openIfThere(ctx.env.netns, ctx.log);
  if (ctr !== undefined && values !== undefined) {
    const failures = restoreSnapshot(ctr, key.ifname, undefined, { link: values, sysctls: [] }, ctx.log);
    if (failures.length > 0) ctx.log.warn({ file, failures }, "some values of the reference backup could not be restored");
  }
  try {
    unlinkSync(file);
  } catch {
    // Gone meanwhile.
  }
}

export const plugin: Plugin<TuningConfig> = {
  name: "tuning",
  parseConfig: parseTuningConfig,

  async add(ctx) {
    const conf = ctx.conf;
    const prev = requirePrevResult(ctx);
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    assertNoDuplicateSysctlKeys(ctx.stdin);
    assertAllowed(conf);

    const result = structuredClone(prev);
    if (!changesLink(conf) && conf.sysctls.length === 0) return result;

    using ctr = openContainerHandle(netns);
    const link = ctr.linkFind(key.ifname);
    if (link === undefined && (changesLink(conf) || conf.sysctls.some((s) => s.perInterface))) {
      throw cniError(
        TUNING_ERROR,
        `Interface "${key.ifname}" not found in ${netns}`,
        "tuning changes an interface an earlier plugin of the chain created: check CNI_IFNAME and the plugin order",
      );
    }

    // Everything that will change, as it is now: read (and so validated) before any change.
    const before: Snapshot = { link: link === undefined ? {} : linkValuesFor(conf, link), sysctls: readSysctls(ctr, conf.sysctls) };
    const netnsId = netnsIdentity(ctr);
    const records = store(ctx);
    const previous = records.read<TuningResources>(key);
    const sameAttachment = previous !== undefined && previous.resources.netnsId === netnsId && previous.resources.ifindex === link?.index;
    const resources: TuningResources = {
      netnsId,
      original: sameAttachment ? mergeOriginal(previous.resources.original, before) : before,
      applied: targetValues(conf),
    };
    if (link !== undefined) resources.ifindex = link.index;
    const record: TuningRecord = {
      ...key,
      plugin: "tuning",
      netns,
      createdAt: sameAttachment ? previous.createdAt : new Date().toISOString(),
      bootId: bootId(),
      state: "adding",
      resources,
    };
    records.write(record);
    const undo = new Undo(ctx.log);
    undo.push("put the attachment record back", () => (previous !== undefined ? records.write(previous) : records.remove(key)));
    undo.push("restore the values changed so far", () => {
      const failures = restoreSnapshot(ctr, key.ifname, link?.index, before, ctx.log);
      if (failures.length > 0) throw new Error(failures.join("; "));
    });
    try {
      applyConfig(ctr, conf, link, key.ifname);
      if (link !== undefined && (conf.mac !== undefined || conf.mtu !== undefined)) {
        const now = ctr.linkGet(key.ifname);
        const named = (result.interfaces ?? []).filter((i) => i.name === key.ifname);
        const inSandbox = named.filter((i) => typeof i.sandbox === "string" && i.sandbox !== "");
        for (const itf of inSandbox.length > 0 ? inSandbox : named) {
          if (conf.mac !== undefined && now.mac !== undefined) itf.mac = now.mac;
          if (conf.mtu !== undefined && itf.mtu !== undefined) itf.mtu = now.mtu;
        }
      }
      record.state = "ready";
      records.write(record);
      undo.commit();
    } catch (err) {
      await undo.run();
      throw err;
    }
    ctx.log.info(
      { ifname: key.ifname, ...resources.applied.link, sysctls: conf.sysctls.map((s) => `${sysctlName(s.path)}=${s.value}`) },
      "tuned",
    );
    return result;
  },

  del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    const record = records.read<TuningResources>(key);
    if (record !== undefined) {
      restoreRecorded(ctx.log, key, record, ctx.env.netns);
      records.remove(key);
      return;
    }
    restoreReferenceBackup(ctx, key);
  },

  check(ctx) {
    requirePrevResult(ctx);
    assertNoDuplicateSysctlKeys(ctx.stdin);
    const netns = ctx.env.netns as string;
    using ctr = openContainerHandle(netns);
    const problems = differences(ctr, ctx.conf, ctx.env.ifname as string, netns);
    if (problems.length > 0) {
      throw cniError(CHECK_FAILED, `Interface "${ctx.env.ifname}" in ${netns} differs from the tuning configuration`, problems.join("; "));
    }
  },

  gc(ctx) {
    collectStale(
      ctx,
      store(ctx),
      ctx.conf.name,
      (key, record) => {
        if (record !== undefined) restoreRecorded(ctx.log, key, record as unknown as TuningRecord, record.netns);
      },
      TUNING_ERROR,
    );
  },

  status() {
    // Nothing to run out of: always ready.
  },
};

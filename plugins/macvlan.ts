/**
 * macvlan: the container gets a macvlan of a host interface (its own MAC on the master's wire),
 * and IPAM gives it an address. Drop-in for the reference macvlan plugin's configuration (see
 * macvlan/config.ts): `master` (default: the default route's interface), `mode`, `mtu`, `mac`,
 * `linkInContainer`, `ipam`, `dns`.
 *
 * ADD, top-down: config → master (and its MTU) → record the attachment → IPAM → the macvlan,
 * created directly in the container namespace under CNI_IFNAME (no move, no rename) → addresses
 * and routes → result. Every step after the record is undone if a later one fails. DEL and GC
 * tear down from the record (lib/store), so they work without CNI_NETNS or prevResult.
 */
import { cniError, CniErrorCode, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import { formatIp, formatMac, parseCidr, parseMac } from "../lib/ip/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, type AttachmentKey, type AttachmentRecord } from "../lib/store/index.ts";
import { attachmentKey, beginAttachment, collectStale, deleteLinkIfOwned, ipamAddresses } from "./common/attachment.ts";
import { configureInterface } from "./common/container-ip.ts";
import { ownerAlias } from "./common/names.ts";
import { nsIdentity } from "./common/shared-netns.ts";
import { teardownMacvlan, type MacvlanResources } from "./macvlan/attachment.ts";
import { parseMacvlanConfig, type MacvlanConfig } from "./macvlan/config.ts";
import { MACVLAN_ERROR, lookupMaster, resolveMaster, whereMaster } from "./macvlan/master.ts";
import { assertKernelSupports } from "./common/kernel-probe.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";

export type { MacvlanConfig } from "./macvlan/config.ts";

type Ctx = PluginContext<MacvlanConfig>;

const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);

export const plugin: Plugin<MacvlanConfig> = {
  name: "macvlan",
  parseConfig: parseMacvlanConfig,

  async add(ctx) {
    const conf = ctx.conf;
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    const records = store(ctx);

    using host = openHandle();
    using ctr = openContainerHandle(netns);
    if (ctr.linkFind(key.ifname) !== undefined) {
      throw cniError(MACVLAN_ERROR, `Interface "${key.ifname}" already exists in ${netns}`, "CNI_IFNAME must name a new interface: DEL the old attachment first");
    }
    // The master lives where linkInContainer says; the new link is born in the container either way.
    const parentNs = conf.linkInContainer ? ctr : host;
    const master = resolveMaster(parentNs, conf);

    const resources: MacvlanResources = { master: master.name, linkInContainer: conf.linkInContainer, mode: conf.mode, netnsId: nsIdentity(netns), ips: [] };
    if (conf.ipamType !== undefined) resources.ipamType = conf.ipamType;
    const { record, undo } = beginAttachment(records, key, "macvlan", netns, resources, ctx.log);

    const started = performance.now();
    const step = (what: string, extra: object = {}) =>
      ctx.log.debug({ ...extra, ms: Number((performance.now() - started).toFixed(2)) }, what);
    try {
      const { ips, routes, dns } =
        conf.ipamType !== undefined ? await ipamAddresses(ctx, undo, conf.ipamType, MACVLAN_ERROR) : { ips: [], routes: [], dns: undefined };
      step("addresses from IPAM", { ips: ips.map((ip) => ip.address) });

      try {
        parentNs.linkAdd({
          kind: "macvlan",
          name: key.ifname,
          parentIndex: master.index,
          mode: conf.mode,
          ...(conf.linkInContainer ? {} : { netnsFd: ctr.netnsFd }),
          ...(conf.mtu ? { mtu: conf.mtu } : {}),
          ...(conf.mac ? { mac: conf.mac } : {}),
          ...(conf.bcQueueLen ? { bcQueueLen: conf.bcQueueLen } : {}),
        });
      } catch (err) {
        throw cniError(
          MACVLAN_ERROR,
          `Cannot create macvlan "${key.ifname}" on master "${master.name}" in ${whereMaster(conf)}`,
          (err as Error).message,
          { cause: err },
        );
      }
      undo.push(`delete macvlan "${key.ifname}"`, () => deleteLinkIfOwned(ctr, key.ifname, (l) => l.kind === "macvlan"));
      ctr.linkSetAlias(key.ifname, ownerAlias(key.network, key.containerId, key.ifname));
      step("macvlan created", { master: master.name, mode: conf.mode });

      if (conf.ipamType !== undefined) {
        // arp_notify and (for IPv6) ndisc_notify: the neighbours learn the new MAC at once.
        configureInterface(ctr, key.ifname, ips, routes, { enableDad: false });
        resources.ips = ips.map((ip) => ip.address);
      } else {
        ctr.linkSetUp(key.ifname); // layer 2 only
      }
      step("container interface configured");

      const link = ctr.linkGet(key.ifname);
      const result: Result = {
        cniVersion: ctx.cniVersion,
        interfaces: [{ name: link.name, ...(link.mac ? { mac: link.mac } : {}), sandbox: netns }],
        // Layer 2 only (no IPAM): no ips or routes at all, as the reference plugin answers.
        ...(conf.ipamType !== undefined ? { ips: ips.map((ip) => ({ ...ip, interface: 0 })), routes } : {}),
      };
      const chosenDns = conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : dns;
      if (chosenDns !== undefined) result.dns = chosenDns;

      record.state = "ready";
      records.write(record);
      undo.commit();
      ctx.log.info({ master: master.name, mode: conf.mode, ips: resources.ips }, "attached");
      return result;
    } catch (err) {
      await undo.run();
      throw err;
    }
  },

  async del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    // The link first, then the address (an address must not be handed out while still configured).
    teardownMacvlan(ctx.log, key, records.read<MacvlanResources>(key), ctx.env.netns);
    if (ctx.conf.ipamType !== undefined) await ctx.ipam("DEL");
    records.remove(key);
  },

  async check(ctx) {
    const conf = ctx.conf;
    const key = keyOf(ctx);
    const netns = ctx.env.netns;
    const prev = ctx.prevResult;
    if (prev === undefined) throw cniError(CniErrorCode.INVALID_CONFIG, "Required prevResult missing", "CHECK compares the kernel with the ADD result");
    if (conf.ipamType !== undefined) await ctx.ipam("CHECK");
    const problems: string[] = [];
    using host = openHandle();
    using ctr = openContainerHandle(netns);

    // The master ADD used (the record knows it when the default route chose it).
    const recorded = store(ctx).read<MacvlanResources>(key)?.resources.master;
    const found = lookupMaster(conf.linkInContainer ? ctr : host, { ...conf, master: conf.master ?? recorded });
    const master = "link" in found ? found.link : undefined;
    if (!("link" in found)) problems.push(found.problem);

    const ifIndex = (prev.interfaces ?? []).findIndex((i) => i.name === key.ifname && i.sandbox === netns);
    const prevIf = prev.interfaces?.[ifIndex];
    if (prevIf === undefined) problems.push(`prevResult lists no interface "${key.ifname}" with sandbox ${netns}`);

    const link = ctr.linkFind(key.ifname);
    if (link === undefined) problems.push(`interface "${key.ifname}" is missing from ${netns}`);
    else {
      if (link.kind !== "macvlan") problems.push(`interface "${key.ifname}" is a ${link.kind ?? "link without a kind"}, not a macvlan`);
      else {
        const mode = link.info?.kind === "macvlan" ? link.info.mode : undefined;
        if (mode !== conf.mode) problems.push(`macvlan "${key.ifname}" is in mode ${String(mode)}, not ${conf.mode}`);
        if (master !== undefined && link.parentIndex !== master.index) problems.push(`macvlan "${key.ifname}" is not on master "${master.name}"`);
      }
      if (prevIf?.mac !== undefined && link.mac !== undefined && sameMac(prevIf.mac, link.mac) === false) {
        problems.push(`interface "${key.ifname}" has MAC ${link.mac}, not ${prevIf.mac}`);
      }
      const have = new Set(ctr.addrList({ link: link.index }).map((a) => a.cidr));
      for (const ip of prev.ips ?? []) {
        if (ip.interface !== undefined && ip.interface !== ifIndex) continue;
        if (!have.has(normalizeCidr(ip.address))) problems.push(`address ${ip.address} is missing from "${key.ifname}"`);
      }
      const routes = ctr.routeList({ table: "all" });
      for (const r of prev.routes ?? []) {
        const dst = normalizeCidr(r.dst);
        if (!routes.some((x) => x.dst === dst && (r.gw === undefined || x.gw === r.gw))) problems.push(`route to ${r.dst}${r.gw ? ` via ${r.gw}` : ""} is missing`);
      }
    }
    if (problems.length > 0) {
      throw cniError(CHECK_FAILED, `Attachment ${key.containerId}/${key.ifname} of network "${key.network}" differs from its ADD result`, problems.join("; "));
    }
  },

  async gc(ctx) {
    if (ctx.conf.ipamType !== undefined) await ctx.ipam("GC");
    collectStale(ctx, store(ctx), ctx.conf.name, (key, record) => teardownMacvlan(ctx.log, key, record as AttachmentRecord<Partial<MacvlanResources>> | undefined, undefined), MACVLAN_ERROR);
  },

  async status(ctx) {
    const conf = ctx.conf;
    assertKernelSupports(conf.stateDir, ["macvlan"]);
    // With linkInContainer the master is inside a container STATUS knows nothing of.
    if (!conf.linkInContainer) {
      using host = openHandle();
      const found = lookupMaster(host, conf);
      if (!("link" in found)) throw cniError(CniErrorCode.NOT_AVAILABLE, `Network "${conf.name}" cannot attach containers`, `${found.problem}: ${found.fix}`);
    }
    if (conf.ipamType !== undefined) await ctx.ipam("STATUS");
  },
};

const store = (ctx: Ctx) => new AttachmentStore(ctx.conf.stateDir);

/** The text the kernel reports for an address: canonical IP (IPv6 compressed) and the prefix. */
function normalizeCidr(text: string): string {
  const c = parseCidr(text);
  return `${formatIp(c.ip)}/${c.prefix}`;
}

/** MACs compared as addresses (case and zero padding aside); undefined when one is not a MAC. */
function sameMac(a: string, b: string): boolean | undefined {
  try {
    return formatMac(parseMac(a)) === formatMac(parseMac(b));
  } catch {
    return undefined;
  }
}

/**
 * bridge: the container gets one end of a veth pair, the other end is a port of a Linux bridge
 * on the host, and IPAM gives it an address (Docker's default network). Drop-in for the
 * reference bridge plugin's configuration (see bridge/config.ts).
 *
 * ADD, top-down: config → record the attachment → bridge → IPAM → veth (its container end
 * created directly in the container namespace) → port flags → container addresses and routes →
 * gateway on the bridge → wait until the port is up → result. Every step after the record is
 * undone if a later one fails. The record (lib/store) names everything ADD makes before it makes
 * it, so DEL and GC tear down from it even with no netns, prevResult or runtimeConfig left.
 */
import { cniError, CniErrorCode, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import { formatIp, parseCidr } from "../lib/ip/index.ts";
import { openHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, type AttachmentKey } from "../lib/store/index.ts";
import { parseBridgeConfig, type BridgeConfig } from "./bridge/config.ts";
import { BRIDGE_ERROR, ensureBridge, ensureOutsideLinks, ensureGatewayAddress, pinBridgeMac, setPortVlans } from "./bridge/steps.ts";
import { attachmentKey, beginAttachment, collectStale, deleteLinkIfOwned, ipamAddresses, ownsHostVeth, teardownVeth } from "./common/attachment.ts";
import { configureInterface, familyOf, gatewayOf } from "./common/container-ip.ts";
import { enableForwarding, masqueradeNetwork, masqueradeProblem, releaseMasqueradeIfUnused } from "./common/forwarding.ts";
import { hostVethName, ownerAlias } from "./common/names.ts";
import { collectStaleMacSpoof, disableMacSpoofCheck, enableMacSpoofCheck, macSpoofProblems } from "./bridge/macspoof.ts";
import { assertKernelSupports } from "./common/kernel-probe.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";

/** How long ADD waits for the host port to come up (events, not polling). */
const PORT_UP_TIMEOUT_MS = 10_000;

interface BridgeResources {
  bridge: string;
  hostVeth: string;
  ipamType?: string;
  /** Gateway addresses this attachment put on the bridge (shared: never removed by DEL). */
  gatewayAddrs: string[];
  /** Container addresses, for CHECK and for readers of the record. */
  ips: string[];
  /** The network's masquerade was ensured (it is shared: DEL leaves it, like the bridge). */
  masquerade?: boolean;
  /** This attachment's MAC spoof check (its own set elements: DEL removes them). */
  macspoofchk?: boolean;
}

type Ctx = PluginContext<BridgeConfig>;

const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);

export const plugin: Plugin<BridgeConfig> = {
  name: "bridge",
  parseConfig: parseBridgeConfig,

  async add(ctx) {
    const conf = ctx.conf;
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    const records = store(ctx);
    const hostVeth = hostVethName(key.network, key.containerId, key.ifname);
    const alias = ownerAlias(key.network, key.containerId, key.ifname);

    using host = openHandle();
    using ctr = openContainerHandle(netns);
    if (ctr.linkFind(key.ifname) !== undefined) {
      throw cniError(BRIDGE_ERROR, `Interface "${key.ifname}" already exists in ${netns}`, "CNI_IFNAME must name a new interface: DEL the old attachment first");
    }

    const resources: BridgeResources = { bridge: conf.bridge, hostVeth, gatewayAddrs: [], ips: [] };
    if (conf.ipamType !== undefined) resources.ipamType = conf.ipamType;
    const { record, undo } = beginAttachment(records, key, "bridge", netns, resources, ctx.log);

    const started = performance.now();
    const step = (what: string, extra: object = {}) =>
      ctx.log.debug({ ...extra, ms: Number((performance.now() - started).toFixed(2)) }, what);
    try {
      const br = ensureBridge(host, conf);
      ensureOutsideLinks(host, conf, br);
      step("bridge ready", { bridge: conf.bridge });

      const { ips, routes, dns } =
        conf.ipamType !== undefined ? await ipamAddresses(ctx, undo, conf.ipamType, BRIDGE_ERROR) : { ips: [], routes: [], dns: undefined };
      step("addresses from IPAM", { ips: ips.map((ip) => ip.address) });

      // Stale leftovers of a killed ADD of this very attachment carry our alias: replace them.
      deleteLinkIfOwned(host, hostVeth, (l) => ownsHostVeth(l, alias));
      host.linkAdd({
        kind: "veth",
        name: hostVeth,
        ...(conf.mtu ? { mtu: conf.mtu } : {}),
        peer: { name: key.ifname, netnsFd: ctr.netnsFd, ...(conf.mtu ? { mtu: conf.mtu } : {}), ...(conf.mac ? { mac: conf.mac } : {}) },
      });
      undo.push(`delete veth "${hostVeth}"`, () => deleteLinkIfOwned(host, hostVeth, () => true));
      host.linkSetAlias(hostVeth, alias);
      host.linkSetMaster(hostVeth, br);
      if (conf.hairpinMode || conf.portIsolation) {
        host.linkSetBridgePort(hostVeth, { ...(conf.hairpinMode ? { hairpin: true } : {}), ...(conf.portIsolation ? { isolated: true } : {}) });
      }
      setPortVlans(host, hostVeth, conf);
      host.linkSetUp(hostVeth);
      step("veth pair created", { hostVeth });

      const families = new Set(ips.map((ip) => familyOf(ip.address)));
      if (conf.isDefaultGateway) {
        for (const family of families) {
          const hasDefault = routes.some((r) => familyOf(r.dst) === family && parseCidr(r.dst).prefix === 0);
          if (!hasDefault) routes.push({ dst: family === 4 ? "0.0.0.0/0" : "::/0", gw: gatewayOf(ips.find((ip) => familyOf(ip.address) === family)!) });
        }
      }
      configureInterface(ctr, key.ifname, ips, routes, { enableDad: conf.enableDad, keepDown: conf.disableContainerInterface });
      resources.ips = ips.map((ip) => ip.address);
      step("container interface configured");

      if (conf.macspoofchk) {
        resources.macspoofchk = true;
        records.write(record);
        undo.push("remove the MAC spoof check", () => disableMacSpoofCheck(conf.stateDir, key));
        await enableMacSpoofCheck(conf.stateDir, key, hostVeth, ctr.linkGet(key.ifname).mac ?? "");
        step("MAC spoof check on");
      }

      if (conf.isGateway) {
        for (const ip of ips) {
          const added = ensureGatewayAddress(host, conf, gatewayOf(ip), parseCidr(ip.address).prefix);
          if (added !== undefined) resources.gatewayAddrs.push(added);
        }
        pinBridgeMac(host, conf.bridge);
        enableForwarding(host, families);
        for (const ip of ips) ip.gateway = gatewayOf(ip);
      }
      if (conf.ipMasq && ips.length > 0) {
        await masqueradeNetwork(conf.name, ips, conf.stateDir, BRIDGE_ERROR, ctx.log, conf.ipMasqBackend);
        resources.masquerade = true;
      }
      records.write(record);

      if (!conf.disableContainerInterface) {
        host.waitForLink(hostVeth, (l) => l.operstate === "up", PORT_UP_TIMEOUT_MS);
        step("host port up");
      }

      const brNow = host.linkGet(conf.bridge);
      const hostEnd = host.linkGet(hostVeth);
      const ctrEnd = ctr.linkGet(key.ifname);
      const result: Result = {
        cniVersion: ctx.cniVersion,
        interfaces: [
          { name: brNow.name, ...(brNow.mac ? { mac: brNow.mac } : {}) },
          { name: hostEnd.name, ...(hostEnd.mac ? { mac: hostEnd.mac } : {}) },
          { name: ctrEnd.name, ...(ctrEnd.mac ? { mac: ctrEnd.mac } : {}), sandbox: netns },
        ],
        ips: ips.map((ip) => ({ ...ip, interface: 2 })),
        routes,
      };
      const chosenDns = conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : dns;
      if (chosenDns !== undefined) result.dns = chosenDns;

      record.state = "ready";
      records.write(record);
      undo.commit();
      ctx.log.info({ bridge: conf.bridge, hostVeth, ips: resources.ips }, "attached");
      return result;
    } catch (err) {
      await undo.run();
      throw err;
    }
  },

  async del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    const record = records.read<BridgeResources>(key);
    // The network's masquerade first when this is its last attachment (others than this one
    // count): deleting nf_tables objects and deleting the veth each wait for an RCU grace
    // period, and in this order the two waits overlap.
    if (ctx.conf.ipMasq || record?.resources.masquerade) {
      const others = () => records.list(ctx.conf.name).some((k) => k.containerId !== key.containerId || k.ifname !== key.ifname);
      await releaseMasqueradeIfUnused(ctx.conf.name, ctx.conf.stateDir, others, ctx.log, ctx.conf.ipMasqBackend);
    }
    // Links first, then the address (an address must not be handed out while still configured).
    teardownVeth(ctx.log, key, record, ctx.env.netns);
    if (record?.resources.macspoofchk || ctx.conf.macspoofchk) await disableMacSpoofCheck(ctx.conf.stateDir, key);
    if (ctx.conf.ipamType !== undefined) await ctx.ipam("DEL");
    records.remove(key);
  },

  async check(ctx) {
    const conf = ctx.conf;
    const key = keyOf(ctx);
    const prev = ctx.prevResult;
    if (prev === undefined) throw cniError(CniErrorCode.INVALID_CONFIG, "Required prevResult missing", "CHECK compares the kernel with the ADD result");
    if (conf.ipamType !== undefined) await ctx.ipam("CHECK");
    const problems: string[] = [];
    using host = openHandle();
    using ctr = openContainerHandle(ctx.env.netns);
    const br = host.linkFind(conf.bridge);
    if (br === undefined) problems.push(`bridge "${conf.bridge}" is missing`);
    else if (br.kind !== "bridge") problems.push(`"${conf.bridge}" is a ${br.kind ?? "link"}, not a bridge`);
    const hostVeth = store(ctx).read<BridgeResources>(key)?.resources.hostVeth ?? hostVethName(key.network, key.containerId, key.ifname);
    const hostEnd = host.linkFind(hostVeth);
    if (hostEnd === undefined) problems.push(`host veth "${hostVeth}" is missing`);
    else if (br !== undefined && hostEnd.masterIndex !== br.index) problems.push(`host veth "${hostVeth}" is not a port of bridge "${conf.bridge}"`);
    const ctrEnd = ctr.linkFind(key.ifname);
    if (ctrEnd === undefined) problems.push(`interface "${key.ifname}" is missing from ${ctx.env.netns}`);
    else {
      if (ctrEnd.kind !== "veth") problems.push(`interface "${key.ifname}" is a ${ctrEnd.kind ?? "link"}, not a veth`);
      const ifIndex = (prev.interfaces ?? []).findIndex((i) => i.name === key.ifname && (i.sandbox ?? "") !== "");
      const have = new Set(ctr.addrList({ link: ctrEnd.index }).map((a) => a.cidr));
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
    if (conf.macspoofchk) problems.push(...(await macSpoofProblems(conf.stateDir, key)));
    if (conf.ipMasq) {
      const problem = await masqueradeProblem(conf.name, prev.ips ?? [], conf.stateDir, BRIDGE_ERROR, conf.ipMasqBackend);
      if (problem !== undefined) problems.push(problem);
    }
    if (problems.length > 0) {
      throw cniError(CHECK_FAILED, `Attachment ${key.containerId}/${key.ifname} of network "${key.network}" differs from its ADD result`, problems.join("; "));
    }
  },

  async gc(ctx) {
    if (ctx.conf.ipamType !== undefined) await ctx.ipam("GC");
    collectStale(ctx, store(ctx), ctx.conf.name, (key, record) => teardownVeth(ctx.log, key, record, record?.netns), BRIDGE_ERROR);
    if (ctx.conf.macspoofchk && ctx.validAttachments !== undefined) await collectStaleMacSpoof(ctx.conf.stateDir, ctx.conf.name, ctx.validAttachments);
    if (ctx.conf.ipMasq) await releaseMasqueradeIfUnused(ctx.conf.name, ctx.conf.stateDir, () => store(ctx).list(ctx.conf.name).length > 0, ctx.log, ctx.conf.ipMasqBackend);
  },

  async status(ctx) {
    assertKernelSupports(ctx.conf.stateDir, ["bridge", "veth"]);
    if (ctx.conf.ipamType !== undefined) await ctx.ipam("STATUS");
  },
};

const store = (ctx: Ctx) => new AttachmentStore(ctx.conf.stateDir);

/** The text the kernel reports for an address: canonical IP (IPv6 compressed) and the prefix. */
function normalizeCidr(text: string): string {
  const c = parseCidr(text);
  return `${formatIp(c.ip)}/${c.prefix}`;
}

/**
 * ptp: a veth pair straight between the host and the container, no bridge. Keys and routing as
 * the reference ptp plugin: the IPAM gateway becomes a /32 (/128) on the host end of every ptp
 * veth, the container reaches it through a link-scope host route, and its subnet through it; the
 * host routes the container's address to its veth.
 *
 * Like bridge, ADD writes an attachment record before creating anything and undoes its steps on
 * failure; DEL and GC tear down from the record. With berth's `peer` key the pair joins two
 * containers directly instead (ptp/peer.ts).
 */
import { cniError, CniErrorCode, ifnameProblem, type CniEnv, type NetConf, type Plugin, type PluginContext, type Result, type ResultIp, type ResultRoute } from "../lib/cni/index.ts";
import { formatIp, makeCidr, networkAddress, parseCidr, parseIp } from "../lib/ip/index.ts";
import { isNetlinkError, openHandle } from "../lib/netlink/index.ts";
import { AttachmentStore, type AttachmentKey, type AttachmentRecord } from "../lib/store/index.ts";
import { attachmentKey, beginAttachment, collectStale, deleteLinkIfOwned, ipamAddresses, ownsHostVeth, stateDirOf, teardownVeth } from "./common/attachment.ts";
import { familyOf, gatewayOf, prepareInterface } from "./common/container-ip.ts";
import { enableForwarding, masqueradeNetwork, masqueradeProblem, releaseMasqueradeIfUnused } from "./common/forwarding.ts";
import { hostVethName, ownerAlias } from "./common/names.ts";
import { assertKernelSupports } from "./common/kernel-probe.ts";
import { CHECK_FAILED, openContainerHandle } from "./netns-handle.ts";
import { addPeerPair, delPeerPair, type PeerResources } from "./ptp/peer.ts";

const PTP_ERROR = 100;
const PORT_UP_TIMEOUT_MS = 10_000;

interface PtpConfig {
  name: string;
  mtu: number | undefined;
  ipamType: string;
  dns: NetConf["dns"];
  stateDir: string;
  ipMasq: boolean;
  /** The firewall backend of ipMasq (absent: nftables when nft is installed, else iptables). */
  ipMasqBackend: "nftables" | "iptables" | undefined;
  /** Container↔container mode (berth): the other container's ID or namespace path. */
  peer: string | undefined;
  peerIfname: string | undefined;
}

interface PtpResources {
  hostVeth: string;
  ips: string[];
}

type Ctx = PluginContext<PtpConfig>;

function parsePtpConfig(raw: NetConf, _env: CniEnv): PtpConfig {
  const mtu = raw.mtu;
  if (mtu !== undefined && (typeof mtu !== "number" || !Number.isInteger(mtu) || mtu < 0 || mtu > 65535)) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid mtu", `mtu must be an integer from 0 to 65535, got ${JSON.stringify(mtu)}`);
  }
  const ipamType = raw.ipam?.type;
  if (typeof ipamType !== "string" || ipamType === "") {
    throw cniError(CniErrorCode.INVALID_CONFIG, "missing ipam", "ptp needs an IPAM plugin to give the container an address and the host side a gateway");
  }
  if (raw.ipMasqBackend !== undefined && raw.ipMasqBackend !== "iptables" && raw.ipMasqBackend !== "nftables") {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid ipMasqBackend", `ipMasqBackend must be "iptables" or "nftables", got ${JSON.stringify(raw.ipMasqBackend)}`);
  }
  if (raw.ipMasq !== undefined && typeof raw.ipMasq !== "boolean") {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid ipMasq", `ipMasq must be true or false, got ${JSON.stringify(raw.ipMasq)}`);
  }
  for (const k of ["peer", "peerIfname"] as const) {
    if (raw[k] !== undefined && (typeof raw[k] !== "string" || raw[k] === "")) {
      throw cniError(CniErrorCode.INVALID_CONFIG, `invalid ${k}`, `${k} must be a non-empty string, got ${JSON.stringify(raw[k])}`);
    }
  }
  if (typeof raw.peerIfname === "string" && ifnameProblem(raw.peerIfname) !== undefined) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid peerIfname", `an interface name ${ifnameProblem(raw.peerIfname)}`);
  }
  return {
    name: raw.name,
    mtu: typeof mtu === "number" && mtu > 0 ? mtu : undefined,
    ipamType,
    dns: raw.dns,
    ipMasq: raw.ipMasq === true,
    ipMasqBackend: raw.ipMasqBackend === "iptables" || raw.ipMasqBackend === "nftables" ? raw.ipMasqBackend : undefined,
    peer: typeof raw.peer === "string" ? raw.peer : undefined,
    peerIfname: typeof raw.peerIfname === "string" ? raw.peerIfname : undefined,
    stateDir: stateDirOf(raw),
  };
}

const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);
const store = (ctx: Ctx) => new AttachmentStore(ctx.conf.stateDir);
const hostPrefix = (family: 4 | 6) => (family === 4 ? 32 : 128);

export const plugin: Plugin<PtpConfig> = {
  name: "ptp",
  parseConfig: parsePtpConfig,

  async add(ctx) {
    const conf = ctx.conf;
    if (conf.peer !== undefined) return addPeerPair(ctx, { ...conf, peer: conf.peer });
    const key = keyOf(ctx);
    const netns = ctx.env.netns as string;
    const records = store(ctx);
    const hostVeth = hostVethName(key.network, key.containerId, key.ifname);
    const alias = ownerAlias(key.network, key.containerId, key.ifname);

    using host = openHandle();
    using ctr = openContainerHandle(netns);
    if (ctr.linkFind(key.ifname) !== undefined) {
      throw cniError(PTP_ERROR, `Interface "${key.ifname}" already exists in ${netns}`, "CNI_IFNAME must name a new interface: DEL the old attachment first");
    }
    const resources: PtpResources = { hostVeth, ips: [] };
    const { record, undo } = beginAttachment(records, key, "ptp", netns, resources, ctx.log);
    try {
      const ipam = await ipamAddresses(ctx, undo, conf.ipamType, PTP_ERROR);
      const ips: ResultIp[] = ipam.ips.map((ip) => ({ ...ip, gateway: gatewayOf(ip) }));
      const families = new Set(ips.map((ip) => familyOf(ip.address)));
      enableForwarding(host, families);

      deleteLinkIfOwned(host, hostVeth, (l) => ownsHostVeth(l, alias));
      host.linkAdd({
        kind: "veth",
        name: hostVeth,
        ...(conf.mtu ? { mtu: conf.mtu } : {}),
        peer: { name: key.ifname, netnsFd: ctr.netnsFd, ...(conf.mtu ? { mtu: conf.mtu } : {}) },
      });
      undo.push(`delete veth "${hostVeth}"`, () => deleteLinkIfOwned(host, hostVeth, () => true));
      host.linkSetAlias(hostVeth, alias);
      host.linkSetUp(hostVeth);

      // Container side: addresses without the automatic subnet route (veth is not point-to-point),
      // then a host route to the gateway on the link, and the subnet and IPAM routes via it.
      prepareInterface(ctr, key.ifname, ips, { enableDad: false });
      for (const ip of ips) ctr.addrAdd(key.ifname, ip.address, { noPrefixRoute: true, noDad: familyOf(ip.address) === 6 });
      ctr.linkSetUp(key.ifname);
      const routes: ResultRoute[] = ipam.routes;
      for (const ip of ips) {
        const family = familyOf(ip.address);
        const cidr = parseCidr(ip.address);
        const src = formatIp(cidr.ip);
        const gw = ip.gateway as string;
        ctr.routeAdd({ dst: `${gw}/${hostPrefix(family)}`, dev: key.ifname, scope: "link", src, family });
        const subnet = `${formatIp(networkAddress(cidr))}/${cidr.prefix}`;
        if (cidr.prefix < hostPrefix(family)) ctr.routeAdd({ dst: subnet, gw, dev: key.ifname, src, family });
      }
      for (const r of routes) {
        const family = familyOf(r.dst);
        const gw = r.gw ?? ips.find((ip) => familyOf(ip.address) === family)?.gateway;
        ctr.routeAdd({ dst: r.dst, ...(gw ? { gw } : {}), dev: key.ifname, family, ...(r.priority ? { metric: r.priority } : {}) });
      }
      resources.ips = ips.map((ip) => ip.address);
      records.write(record);

      // Host side: the gateway as a host address on the veth, and a route to the container.
      for (const ip of ips) {
        const family = familyOf(ip.address);
        host.addrAdd(hostVeth, formatCidr(ip.gateway as string, family), { noDad: family === 6 });
        try {
          host.routeAdd({ dst: formatCidr(formatIp(parseCidr(ip.address).ip), family), dev: hostVeth, scope: "link", family });
        } catch (err) {
          if (!isNetlinkError(err, "EEXIST")) throw err;
        }
      }
      if (conf.ipMasq) await masqueradeNetwork(conf.name, ips, conf.stateDir, PTP_ERROR, ctx.log, conf.ipMasqBackend);
      host.waitForLink(hostVeth, (l) => l.operstate === "up", PORT_UP_TIMEOUT_MS);

      const hostEnd = host.linkGet(hostVeth);
      const ctrEnd = ctr.linkGet(key.ifname);
      const result: Result = {
        cniVersion: ctx.cniVersion,
        interfaces: [
          { name: hostEnd.name, ...(hostEnd.mac ? { mac: hostEnd.mac } : {}) },
          { name: ctrEnd.name, ...(ctrEnd.mac ? { mac: ctrEnd.mac } : {}), sandbox: netns },
        ],
        ips: ips.map((ip) => ({ ...ip, interface: 1 })),
        routes,
      };
      const dns = conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : ipam.dns;
      if (dns !== undefined) result.dns = dns;
      record.state = "ready";
      records.write(record);
      undo.commit();
      return result;
    } catch (err) {
      await undo.run();
      throw err;
    }
  },

  async del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    const record = records.read<PtpResources & Partial<PeerResources>>(key);
    if (record?.resources.other !== undefined) {
      return delPeerPair(ctx, { ...ctx.conf, peer: ctx.conf.peer ?? record.resources.other.netns }, record as AttachmentRecord<PeerResources>);
    }
    teardownVeth(ctx.log, key, record, ctx.env.netns);
    await ctx.ipam("DEL");
    records.remove(key);
    if (ctx.conf.ipMasq) await releaseMasqueradeIfUnused(ctx.conf.name, ctx.conf.stateDir, () => records.list(ctx.conf.name).length > 0, ctx.log, ctx.conf.ipMasqBackend);
  },

  async check(ctx) {
    const key = keyOf(ctx);
    const prev = ctx.prevResult;
    if (prev === undefined) throw cniError(CniErrorCode.INVALID_CONFIG, "Required prevResult missing", "CHECK compares the kernel with the ADD result");
    await ctx.ipam("CHECK");
    const problems: string[] = [];
    using host = openHandle();
    using ctr = openContainerHandle(ctx.env.netns);
    const record = store(ctx).read<PtpResources & Partial<PeerResources>>(key);
    const hostVeth = record?.resources.hostVeth ?? hostVethName(key.network, key.containerId, key.ifname);
    const peerMode = record?.resources.other !== undefined || ctx.conf.peer !== undefined;
    if (!peerMode && host.linkFind(hostVeth) === undefined) problems.push(`host veth "${hostVeth}" is missing`);
    const end = ctr.linkFind(key.ifname);
    if (end === undefined) problems.push(`interface "${key.ifname}" is missing from ${ctx.env.netns}`);
    else {
      const have = new Set(ctr.addrList({ link: end.index }).map((a) => a.cidr));
      for (const ip of prev.ips ?? []) {
        const c = parseCidr(ip.address);
        const text = `${formatIp(c.ip)}/${c.prefix}`;
        if (!have.has(text)) problems.push(`address ${ip.address} is missing from "${key.ifname}"`);
      }
    }
    if (ctx.conf.ipMasq) {
      const problem = await masqueradeProblem(ctx.conf.name, prev.ips ?? [], ctx.conf.stateDir, PTP_ERROR, ctx.conf.ipMasqBackend);
      if (problem !== undefined) problems.push(problem);
    }
    if (problems.length > 0) {
      throw cniError(CHECK_FAILED, `Attachment ${key.containerId}/${key.ifname} of network "${key.network}" differs from its ADD result`, problems.join("; "));
    }
  },

  async gc(ctx) {
    await ctx.ipam("GC");
    collectStale(ctx, store(ctx), ctx.conf.name, (key, record) => teardownVeth(ctx.log, key, record, record?.netns), PTP_ERROR);
  },

  async status(ctx) {
    assertKernelSupports(ctx.conf.stateDir, ["veth"]);
    await ctx.ipam("STATUS");
  },
};

/** "10.1.0.1" → "10.1.0.1/32" (or /128), canonical text. */
function formatCidr(ip: string, family: 4 | 6): string {
  const c = makeCidr(parseIp(ip), hostPrefix(family));
  return `${formatIp(c.ip)}/${c.prefix}`;
}

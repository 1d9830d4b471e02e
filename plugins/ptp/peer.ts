/**
 * ptp container↔container (berth's `peer` key): one veth pair with an end created directly in
 * each container's namespace, each end with its own address from IPAM (reserved under its own
 * attachment) as a /32 or /128, and a route to the other; nothing appears in the host namespace.
 * Both attachments are recorded, each naming the other, so DEL from either side removes the pair,
 * both reservations and both records.
 */
import { existsSync } from "node:fs";
import { cniError, delegate, type PluginContext, type Result, type ResultIp } from "../../lib/cni/index.ts";
import { formatIp, parseCidr } from "../../lib/ip/index.ts";
import { openHandle } from "../../lib/netlink/index.ts";
import { Netns } from "../../lib/netns/index.ts";
import { AttachmentStore, bootId, type AttachmentKey, type AttachmentRecord } from "../../lib/store/index.ts";
import { deleteLinkIfOwned } from "../common/attachment.ts";
import { familyOf, prepareInterface } from "../common/container-ip.ts";
import { Undo } from "../common/undo.ts";
import { openContainerHandle } from "../netns-handle.ts";

export const PEER_ERROR = 103;

export interface PeerConfig {
  name: string;
  mtu: number | undefined;
  ipamType: string;
  stateDir: string;
  /** A container ID with a berth attachment, or a namespace path. */
  peer: string;
  /** The interface name at the peer's end (default: CNI_IFNAME). */
  peerIfname: string | undefined;
}

export interface PeerResources {
  /** The other end of the pair: its attachment key and namespace. */
  other: AttachmentKey & { netns: string };
  ips: string[];
}

const hostPrefix = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** The peer's namespace: a path as given, or the namespace of a container berth attached. */
function resolvePeer(store: AttachmentStore, peer: string, self: string): { netns: string; containerId: string } {
  if (peer.startsWith("/")) {
    if (!existsSync(peer)) throw cniError(PEER_ERROR, `No network namespace at peer ${JSON.stringify(peer)}`);
    return { netns: peer, containerId: `peer-of-${self}` };
  }
  const rec = store.findContainer(peer).find((r) => r.netns !== undefined && existsSync(r.netns));
  if (rec?.netns === undefined) {
    throw cniError(PEER_ERROR, `No container ${JSON.stringify(peer)} to connect to`, "the peer must have a berth attachment whose namespace exists, or give a namespace path");
  }
  return { netns: rec.netns, containerId: peer };
}

/** IPAM for one end, reserved under that end's own attachment (env overridden, same stdin). */
function ipamFor<C>(ctx: PluginContext<C>, conf: PeerConfig, command: "ADD" | "DEL", key: AttachmentKey) {
  return delegate(conf.ipamType, {
    command,
    env: { ...process.env, CNI_CONTAINERID: key.containerId, CNI_IFNAME: key.ifname },
    stdin: ctx.stdin,
    path: ctx.env.path,
  });
}

export async function addPeerPair<C>(ctx: PluginContext<C>, conf: PeerConfig): Promise<Result> {
  const self: AttachmentKey = { network: conf.name, containerId: ctx.env.containerId as string, ifname: ctx.env.ifname as string };
  const netns = ctx.env.netns as string;
  const records = new AttachmentStore(conf.stateDir);
  const peer = resolvePeer(records, conf.peer, self.containerId);
  const other: AttachmentKey = { network: conf.name, containerId: peer.containerId, ifname: conf.peerIfname ?? self.ifname };

  using host = openHandle();
  using mine = openContainerHandle(netns);
  using theirs = openHandle(peer.netns);
  using theirNs = Netns.open(peer.netns);
  if (mine.netns.sameAs(theirNs)) throw cniError(PEER_ERROR, "A ptp peer must be another namespace than CNI_NETNS");
  for (const [h, name, where] of [[mine, self.ifname, netns], [theirs, other.ifname, peer.netns]] as const) {
    if (h.linkFind(name) !== undefined) throw cniError(PEER_ERROR, `Interface "${name}" already exists in ${where}`, "choose another CNI_IFNAME or peerIfname");
  }

  const now = new Date().toISOString();
  const record = (key: AttachmentKey, ns: string, o: AttachmentKey & { netns: string }): AttachmentRecord<PeerResources> => ({
    ...key, plugin: "ptp", netns: ns, createdAt: now, bootId: bootId(), state: "adding", resources: { other: o, ips: [] },
  });
  const mineRec = record(self, netns, { ...other, netns: peer.netns });
  const theirRec = record(other, peer.netns, { ...self, netns });
  records.write(mineRec);
  records.write(theirRec);
  const undo = new Undo(ctx.log);
  undo.push("remove the attachment records", () => {
    records.remove(self);
    records.remove(other);
  });
  try {
    const myIpam = await ipamFor(ctx, conf, "ADD", self);
    undo.push("release this end's address", () => ipamFor(ctx, conf, "DEL", self));
    const theirIpam = await ipamFor(ctx, conf, "ADD", other);
    undo.push("release the peer end's address", () => ipamFor(ctx, conf, "DEL", other));
    const myIps = myIpam?.ips ?? [];
    const theirIps = theirIpam?.ips ?? [];
    if (myIps.length === 0 || theirIps.length === 0) throw cniError(PEER_ERROR, `IPAM plugin "${conf.ipamType}" returned no address`);

    // One request, both ends born in their namespaces; the host namespace never sees either.
    host.linkAdd({
      kind: "veth",
      name: self.ifname,
      netnsFd: mine.netnsFd,
      ...(conf.mtu ? { mtu: conf.mtu } : {}),
      peer: { name: other.ifname, netnsFd: theirs.netnsFd, ...(conf.mtu ? { mtu: conf.mtu } : {}) },
    });
    undo.push(`delete veth "${self.ifname}"`, () => deleteLinkIfOwned(mine, self.ifname, () => true));
    configureEnd(mine, self.ifname, myIps, theirIps);
    configureEnd(theirs, other.ifname, theirIps, myIps);

    mineRec.resources.ips = myIps.map((ip) => ip.address);
    theirRec.resources.ips = theirIps.map((ip) => ip.address);
    mineRec.state = theirRec.state = "ready";
    records.write(mineRec);
    records.write(theirRec);
    undo.commit();
    const end = mine.linkGet(self.ifname);
    return {
      cniVersion: ctx.cniVersion,
      interfaces: [{ name: end.name, ...(end.mac ? { mac: end.mac } : {}), sandbox: netns }],
      ips: myIps.map((ip) => ({ address: hostCidr(ip), interface: 0 })),
      routes: theirIps.map((ip) => ({ dst: hostCidr(ip) })),
    };
  } catch (err) {
    await undo.run();
    throw err;
  }
}

function hostCidr(ip: ResultIp): string {
  const c = parseCidr(ip.address);
  return `${formatIp(c.ip)}/${hostPrefix(c.ip.family)}`;
}

/** An end: its /32 (/128) address, up, and a link route to each address of the other end. */
function configureEnd(h: ReturnType<typeof openHandle>, ifname: string, own: ResultIp[], remote: ResultIp[]): void {
  const asHost = own.map((ip) => ({ ...ip, address: hostCidr(ip) }));
  prepareInterface(h, ifname, asHost, { enableDad: false });
  for (const ip of asHost) h.addrAdd(ifname, ip.address, { noPrefixRoute: true, noDad: familyOf(ip.address) === 6 });
  h.linkSetUp(ifname);
  for (const ip of remote) {
    const family = familyOf(ip.address);
    const src = own.find((o) => familyOf(o.address) === family);
    h.routeAdd({ dst: hostCidr(ip), dev: ifname, scope: "link", family, ...(src ? { src: formatIp(parseCidr(src.address).ip) } : {}) });
  }
}

/** DEL of either end: the pair (from whichever namespace still exists), both addresses, both records. */
export async function delPeerPair<C>(ctx: PluginContext<C>, conf: PeerConfig, record: AttachmentRecord<PeerResources>): Promise<void> {
  const records = new AttachmentStore(conf.stateDir);
  const self: AttachmentKey = { network: record.network, containerId: record.containerId, ifname: record.ifname };
  const other = record.resources.other;
  for (const [ns, ifname] of [[ctx.env.netns ?? record.netns, self.ifname], [other.netns, other.ifname]] as const) {
    if (ns === undefined || !existsSync(ns)) continue;
    try {
      using h = openHandle(ns);
      const link = h.linkFind(ifname);
      if (link?.kind === "veth") deleteLinkIfOwned(h, ifname, () => true);
    } catch {
      // Not a namespace any more: its links went with it.
    }
  }
  await ipamFor(ctx, conf, "DEL", self);
  await ipamFor(ctx, conf, "DEL", other);
  records.remove(self);
  records.remove(other);
}

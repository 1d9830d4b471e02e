/**
 * The host-side steps of the bridge plugin: the bridge itself (created or adopted, race-free),
 * its gateway addresses, and teardown of one attachment's host-side link.
 */
import { cniError } from "../../lib/cni/index.ts";
import { cidrsOverlap, formatCidr, makeCidr, parseCidr, parseIp } from "../../lib/ip/index.ts";
import { isNetlinkError, type Link, type NetlinkHandle } from "../../lib/netlink/index.ts";
import { sysctlSet } from "../../lib/sysctl/index.ts";
import type { BridgeConfig } from "./config.ts";

/** berth's plugin-specific codes for the bridge. */
export const BRIDGE_ERROR = 100;

/**
 * Create the bridge, or adopt it when it exists (another ADD may create it at the same moment:
 * EEXIST then means "adopt"). An existing link of another kind is an error naming it.
 */
export function ensureBridge(host: NetlinkHandle, conf: BridgeConfig): Link {
  const wantVlan = conf.vlan !== 0 || conf.vlanTrunk.length > 0;
  let created = false;
  try {
    host.linkAdd({ kind: "bridge", name: conf.bridge, ...(conf.mtu ? { mtu: conf.mtu } : {}), ...(wantVlan ? { vlanFiltering: true } : {}) });
    created = true;
  } catch (err) {
    if (!isNetlinkError(err, "EEXIST")) {
      throw cniError(BRIDGE_ERROR, `Cannot create bridge "${conf.bridge}"`, (err as Error).message, { cause: err });
    }
  }
  const br = host.linkGet(conf.bridge);
  if (br.kind !== "bridge") {
    throw cniError(BRIDGE_ERROR, `Link "${conf.bridge}" already exists and is not a bridge`, `it is a ${br.kind ?? "device without a kind"}: choose another "bridge" name`);
  }
  if (created) {
    // "We own the routes": never learn them from router advertisements on the bridge.
    try {
      sysctlSet(["net", "ipv6", "conf", conf.bridge, "accept_ra"], 0, host.netns);
    } catch {
      // IPv6 disabled on this host: nothing to turn off.
    }
  }
  if (conf.promiscMode && !br.promisc) host.linkSetPromisc(br, true);
  if (!br.up) host.linkSetUp(br);
  return host.linkGet(conf.bridge);
}

/**
 * Put `gateway`/prefix on the bridge unless it is there. IPv4 allows one address per bridge:
 * a different one is an error unless forceAddress replaces it; IPv6 refuses an overlapping one.
 * Returns the address when this call added it.
 */
export function ensureGatewayAddress(host: NetlinkHandle, conf: BridgeConfig, gateway: string, prefix: number): string | undefined {
  const want = makeCidr(parseIp(gateway), prefix);
  const wantText = formatCidr(want);
  const family = want.ip.family;
  for (const existing of host.addrList({ link: conf.bridge, family })) {
    if (existing.cidr === wantText) return undefined;
    if (existing.scope === "link") continue;
    const clash = family === 4 || cidrsOverlap(parseCidr(existing.cidr), want);
    if (!clash) continue;
    if (!conf.forceAddress) {
      throw cniError(
        BRIDGE_ERROR,
        `Bridge "${conf.bridge}" already has address ${existing.cidr}, not ${wantText}`,
        "another network configured this bridge: use another bridge name, or set forceAddress to replace the address",
      );
    }
    host.addrDel(conf.bridge, existing.cidr);
  }
  try {
    host.addrAdd(conf.bridge, wantText, { noDad: family === 6 });
  } catch (err) {
    if (isNetlinkError(err, "EEXIST")) return undefined; // a concurrent ADD put it there
    throw err;
  }
  return wantText;
}

/**
 * The port's VLANs, as the reference plugin sets them: `vlan` as the untagged PVID, each
 * `vlanTrunk` range tagged (with native VLAN 1 untagged when there is no `vlan`), and the
 * default VLAN 1 removed unless `preserveDefaultVlan`. Nothing to do without vlan or trunk.
 */
export function setPortVlans(host: NetlinkHandle, port: string, conf: BridgeConfig): void {
  if (conf.vlan === 0 && conf.vlanTrunk.length === 0) return;
  const specs = [
    ...(conf.vlan !== 0 ? [{ vid: conf.vlan, pvid: true, untagged: true }] : conf.vlanTrunk.length > 0 ? [{ vid: 1, pvid: true, untagged: true }] : []),
    ...conf.vlanTrunk.map((t) => ({ vid: t.minID, ...(t.maxID !== t.minID ? { vidEnd: t.maxID } : {}) })),
  ];
  try {
    host.bridgeVlanAdd(port, specs);
    const keepDefault = conf.preserveDefaultVlan || (conf.vlan === 0 && conf.vlanTrunk.length > 0);
    if (!keepDefault && conf.vlan !== 1) host.bridgeVlanDel(port, [{ vid: 1 }]);
  } catch (err) {
    throw cniError(
      BRIDGE_ERROR,
      `Cannot set VLANs on port "${port}" of bridge "${conf.bridge}"`,
      `${(err as Error).message}: the bridge needs VLAN filtering (vlan_filtering 1, and CONFIG_BRIDGE_VLAN_FILTERING in the kernel)`,
      { cause: err },
    );
  }
}

/** Keep the bridge's MAC from changing as ports come and go (it would follow the lowest port MAC). */
export function pinBridgeMac(host: NetlinkHandle, bridge: string): void {
  const br = host.linkGet(bridge);
  if (br.mac !== undefined) host.linkSetMac(br, br.mac);
}



/**
 * The bridge's links to the outside world, shared by every attachment and created once (race-free:
 * EEXIST means another ADD made it): a VXLAN device enslaved to the bridge, with an all-zeros FDB
 * entry per static remote so broadcast and unknown traffic reach every other host; and an existing
 * host interface (`uplink`) enslaved to the bridge.
 */
export function ensureOutsideLinks(host: NetlinkHandle, conf: BridgeConfig, bridge: Link): void {
  const vx = conf.vxlan;
  if (vx !== undefined) {
    let created = false;
    try {
      host.linkAdd({
        kind: "vxlan",
        name: vx.name,
        vni: vx.vni,
        port: vx.port,
        learning: true,
        ...(vx.local ? { local: vx.local } : {}),
        ...(vx.group ? { group: vx.group } : {}),
        ...(vx.dev ? { dev: host.linkGet(vx.dev).index } : {}),
        ...(conf.mtu ? { mtu: conf.mtu } : {}),
      });
      created = true;
    } catch (err) {
      if (!isNetlinkError(err, "EEXIST")) throw cniError(BRIDGE_ERROR, `Cannot create VXLAN device "${vx.name}"`, (err as Error).message, { cause: err });
    }
    const dev = host.linkGet(vx.name);
    if (dev.kind !== "vxlan") throw cniError(BRIDGE_ERROR, `Link "${vx.name}" exists and is not a VXLAN device`, "set vxlan.name to another name");
    if (created) {
      for (const remote of vx.remotes) host.fdbAppend(dev, "00:00:00:00:00:00", remote);
    }
    if (dev.masterIndex !== bridge.index) host.linkSetMaster(dev, bridge);
    if (!dev.up) host.linkSetUp(dev);
  }
  if (conf.uplink !== undefined) {
    const up = host.linkFind(conf.uplink);
    if (up === undefined) throw cniError(BRIDGE_ERROR, `Uplink "${conf.uplink}" does not exist on the host`, "set uplink to an existing interface, or drop the key");
    if (up.masterIndex !== bridge.index) host.linkSetMaster(up, bridge);
    if (!up.up) host.linkSetUp(up);
  }
}

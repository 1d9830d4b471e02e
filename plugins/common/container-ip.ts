/**
 * Applying an IPAM result to the container's interface: per-family sysctls, addresses, link up,
 * routes. Shared by the plugins that give a container an interface (bridge, ptp, macvlan).
 */
import type { ResultIp, ResultRoute } from "../../lib/cni/index.ts";
import { firstHost, formatIp, parseCidr } from "../../lib/ip/index.ts";
import type { NetlinkHandle } from "../../lib/netlink/index.ts";
import { sysctlSet } from "../../lib/sysctl/index.ts";

export interface ContainerIpOptions {
  /** IPv6 duplicate address detection (off by default, like the reference bridge: it costs ~2 s). */
  enableDad: boolean;
  /** Leave the link down (layer 2 only). */
  keepDown?: boolean;
}

export const familyOf = (cidr: string): 4 | 6 => (cidr.includes(":") ? 6 : 4);

/** The gateway of an IPAM address: the one given, else the subnet's first host (network + 1). */
export function gatewayOf(ip: ResultIp): string {
  return ip.gateway ?? formatIp(firstHost(parseCidr(ip.address)));
}

/** Sysctls for the container interface, set before addresses so the kernel announces them. */
export function prepareInterface(ctr: NetlinkHandle, ifname: string, ips: ResultIp[], opts: ContainerIpOptions): void {
  const ns = ctr.netns;
  const conf = (family: "ipv4" | "ipv6", dev: string, key: string) => ["net", family, "conf", dev, key];
  if (ips.some((ip) => familyOf(ip.address) === 4)) {
    // Gratuitous ARP when the link comes up or its MAC changes.
    sysctlSet(conf("ipv4", ifname, "arp_notify"), 1, ns);
  }
  if (ips.some((ip) => familyOf(ip.address) === 6)) {
    sysctlSet(conf("ipv6", "lo", "disable_ipv6"), 0, ns);
    sysctlSet(conf("ipv6", ifname, "disable_ipv6"), 0, ns);
    sysctlSet(conf("ipv6", ifname, "keep_addr_on_down"), 1, ns);
    if (opts.enableDad) {
      sysctlSet(conf("ipv6", ifname, "enhanced_dad"), 1, ns);
      sysctlSet(conf("ipv6", ifname, "accept_dad"), 1, ns);
    } else {
      sysctlSet(conf("ipv6", ifname, "accept_dad"), 0, ns);
    }
    sysctlSet(conf("ipv6", ifname, "ndisc_notify"), 1, ns);
  }
}

/** Addresses, link up, then routes (a route without gw uses its family's gateway). */
export function configureInterface(
  ctr: NetlinkHandle,
  ifname: string,
  ips: ResultIp[],
  routes: ResultRoute[],
  opts: ContainerIpOptions,
): void {
  prepareInterface(ctr, ifname, ips, opts);
  for (const ip of ips) ctr.addrAdd(ifname, ip.address, { noDad: !opts.enableDad && familyOf(ip.address) === 6 });
  if (!opts.keepDown) ctr.linkSetUp(ifname);
  for (const route of routes) {
    const family = familyOf(route.dst);
    const via = route.gw ?? ips.filter((ip) => familyOf(ip.address) === family).map(gatewayOf)[0];
    ctr.routeAdd({
      dst: route.dst,
      ...(via !== undefined ? { gw: via } : {}),
      dev: ifname,
      ...(route.mtu ? { mtu: route.mtu } : {}),
      ...(route.advmss ? { advmss: route.advmss } : {}),
      ...(route.priority ? { metric: route.priority } : {}),
      ...(route.table !== undefined ? { table: route.table } : {}),
      ...(route.scope !== undefined ? { scope: route.scope } : {}),
      family,
    });
  }
}

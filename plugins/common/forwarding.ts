/** IP forwarding in the plugin's (host) namespace, per family: turned on, never reverted. */
import type { NetlinkHandle } from "../../lib/netlink/index.ts";
import { sysctlSet } from "../../lib/sysctl/index.ts";

export function enableForwarding(host: NetlinkHandle, families: Iterable<4 | 6>): void {
  for (const family of families) {
    if (family === 4) sysctlSet("net.ipv4.ip_forward", 1, host.netns);
    else sysctlSet("net.ipv6.conf.all.forwarding", 1, host.netns);
  }
}

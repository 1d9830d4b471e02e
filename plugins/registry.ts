/**
 * Every plugin berth ships, by the executable name a runtime calls it by. Each entry loads its
 * module lazily, so starting one plugin parses only that plugin's code.
 */
import type { Plugin } from "../lib/cni/index.ts";

export interface PluginEntry {
  /** One line for `berth plugins` and the README. */
  summary: string;
  load(): Promise<Plugin<unknown>>;
}

export const PLUGINS: Record<string, PluginEntry> = {
  loopback: {
    summary: "brings up lo in the container namespace",
    load: async () => (await import("./loopback.ts")).plugin as Plugin<unknown>,
  },
  bridge: {
    summary: "a veth pair into a Linux bridge, with an address from IPAM (Docker's default network)",
    load: async () => (await import("./bridge.ts")).plugin as Plugin<unknown>,
  },
  container: {
    summary: "join another container's network namespace (docker --net=container:NAME)",
    load: async () => (await import("./container.ts")).plugin as Plugin<unknown>,
  },
  dnsfiles: {
    summary: "chained: writes the container's resolv.conf, hosts and hostname (Docker's rules)",
    load: async () => (await import("./dnsfiles.ts")).plugin as Plugin<unknown>,
  },
  firewall: {
    summary: "chained: network policy in nftables — isolation between networks, icc, internal networks",
    load: async () => (await import("./firewall.ts")).plugin as Plugin<unknown>,
  },
  host: {
    summary: "share the host's network namespace (docker --net=host)",
    load: async () => (await import("./host.ts")).plugin as Plugin<unknown>,
  },
  "host-local": {
    summary: "IPAM: addresses from ranges or automatic RFC 1918 pools (reference-compatible store)",
    load: async () => (await import("./host-local.ts")).plugin as Plugin<unknown>,
  },
  portmap: {
    summary: "chained: publish container ports on the host (nftables maps; hairpin, localhost, conflicts)",
    load: async () => (await import("./portmap.ts")).plugin as Plugin<unknown>,
  },
  ptp: {
    summary: "a veth pair straight between host and container, routed (no bridge)",
    load: async () => (await import("./ptp.ts")).plugin as Plugin<unknown>,
  },
  tuning: {
    summary: "chained: MAC, MTU, promisc, allmulti, txqueuelen and net.* sysctls of an interface, restored on DEL",
    load: async () => (await import("./tuning.ts")).plugin as Plugin<unknown>,
  },
  static: {
    summary: "IPAM: the addresses, routes and DNS given in the config",
    load: async () => (await import("./static.ts")).plugin as Plugin<unknown>,
  },
  macvlan: {
    summary: "a macvlan of a host interface (the default route's unless set), with an address from IPAM",
    load: async () => (await import("./macvlan.ts")).plugin as Plugin<unknown>,
  },
  none: {
    summary: "a namespace of its own with only lo up (docker --net=none)",
    load: async () => (await import("./none.ts")).plugin as Plugin<unknown>,
  },
};

export function pluginNames(): string[] {
  return Object.keys(PLUGINS).sort();
}

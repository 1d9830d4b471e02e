/**
 * The macvlan's parent ("master"): the configured interface, or the one holding the default
 * route (IPv4 first, then IPv6), looked up in the host's namespace or, with linkInContainer, in
 * the container's. Errors name the fix.
 */
import { cniError, CniErrorCode } from "../../lib/cni/index.ts";
import { parseCidr } from "../../lib/ip/index.ts";
import { isNetlinkError, type Link, type NetlinkHandle } from "../../lib/netlink/index.ts";
import type { MacvlanConfig } from "./config.ts";

/** berth's plugin-specific code for macvlan failures (the reference uses a generic error). */
export const MACVLAN_ERROR = 100;

/** Where the master is looked up, for messages. */
export const whereMaster = (conf: Pick<MacvlanConfig, "linkInContainer">): string =>
  conf.linkInContainer ? "the container's namespace (linkInContainer)" : "the host's namespace";

/** The link of the namespace's default route, IPv4 first, then IPv6 (main table, as `ip route`). */
export function defaultRouteLink(handle: NetlinkHandle): Link | undefined {
  for (const family of [4, 6] as const) {
    for (const route of handle.routeList({ family })) {
      if (parseCidr(route.dst).prefix !== 0) continue;
      const index = route.dev ?? route.nexthops?.find((n) => n.dev > 0)?.dev;
      if (index === undefined || index <= 0) continue; // unreachable/blackhole defaults have no link
      try {
        return handle.linkByIndex(index);
      } catch (err) {
        if (isNetlinkError(err, "ENODEV")) continue; // went away meanwhile
        throw err;
      }
    }
  }
  return undefined;
}

export type MasterLookup = { link: Link } | { problem: string; fix: string; name?: string };

/** Find the master without throwing: the link, or what is wrong and how to fix it. */
export function lookupMaster(handle: NetlinkHandle, conf: Pick<MacvlanConfig, "master" | "linkInContainer">): MasterLookup {
  const where = whereMaster(conf);
  if (conf.master === undefined) {
    const link = defaultRouteLink(handle);
    if (link !== undefined) return { link };
    return {
      problem: `"master" is not set and ${where} has no default route (IPv4 or IPv6) to take it from`,
      fix: `set "master" to the interface the macvlan should sit on, e.g. "master": "eth0"`,
    };
  }
  const link = handle.linkFind(conf.master);
  if (link !== undefined) return { link };
  return {
    name: conf.master,
    problem: `master interface "${conf.master}" does not exist in ${where}`,
    fix: `create it, or set "master" to an existing interface (\`ip link show\` lists them${conf.linkInContainer ? " inside the container" : ""})`,
  };
}

/**
 * ADD's view: the master link, checked against the configured MTU. Throws a CNI error naming
 * the fix when there is no master (code 100) or the MTU is above the master's (code 7).
 */
export function resolveMaster(handle: NetlinkHandle, conf: MacvlanConfig): Link {
  const found = lookupMaster(handle, conf);
  if (!("link" in found)) throw cniError(MACVLAN_ERROR, "No master interface for the macvlan", `${found.problem}: ${found.fix}`);
  const master = found.link;
  if (conf.mtu !== undefined && conf.mtu > master.mtu) {
    throw cniError(
      CniErrorCode.INVALID_CONFIG,
      "invalid mtu",
      `mtu ${conf.mtu} is above the MTU ${master.mtu} of master "${master.name}": use 0 (the master's MTU) or a value up to ${master.mtu}`,
    );
  }
  return master;
}

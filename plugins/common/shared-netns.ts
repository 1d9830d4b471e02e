/**
 * Modes where the container shares an existing network namespace (docker --net=host and
 * --net=container:NAME): the runtime made CNI_NETNS as a bind mount of a fresh namespace that no
 * process has joined yet; ADD binds the shared namespace there instead, DEL puts a fresh, empty
 * namespace back. Nothing inside either namespace is touched.
 */
import { statSync } from "node:fs";
import { cniError, type Result, type ResultInterface, type ResultIp } from "../../lib/cni/index.ts";
import { cidrContains, parseCidr, parseIp } from "../../lib/ip/index.ts";
import type { NetlinkHandle } from "../../lib/netlink/index.ts";
import { bindNetns, isMountPoint, pinNewNetns, processesInNetns, unbindNetns } from "../../lib/netns/index.ts";

/** berth's code for "CNI_NETNS cannot take the shared namespace". */
export const SHARE_ERROR = 101;

export interface NsIdentity {
  ino: string;
  dev: string;
}

export function nsIdentity(path: string): NsIdentity {
  const st = statSync(path, { bigint: true });
  return { ino: String(st.ino), dev: String(st.dev) };
}

export function sameNs(a: NsIdentity, b: NsIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/**
 * Bind namespace `source` at `netns` (CNI_NETNS). Returns false when `netns` already is it.
 * Refuses a path that is not a bind mount (e.g. /proc/PID/ns/net of a running process) and a
 * namespace some process has already joined: rebinding would not move that process.
 */
export function shareInto(netns: string, source: string, what: string): boolean {
  if (sameNs(nsIdentity(netns), nsIdentity(source))) return false;
  if (!isMountPoint(netns)) {
    throw cniError(
      SHARE_ERROR,
      `Cannot give CNI_NETNS ${JSON.stringify(netns)} ${what}`,
      "it is not a bind-mounted namespace file (like /run/netns/NAME) but a live process's namespace: create the container's namespace file first and pass that",
    );
  }
  const users = processesInNetns(netns);
  if (users.length > 0) {
    throw cniError(
      SHARE_ERROR,
      `Cannot give CNI_NETNS ${JSON.stringify(netns)} ${what}`,
      `processes ${users.slice(0, 5).join(", ")}${users.length > 5 ? " ..." : ""} already run in it: call ADD before the container starts`,
    );
  }
  unbindNetns(netns);
  try {
    bindNetns(source, netns);
  } catch (err) {
    pinNewNetns(netns); // leave the runtime a namespace at its path, as it made it
    throw err;
  }
  return true;
}

/** DEL: if `netns` still holds the shared namespace `bound`, put a fresh one back; else leave it. */
export function unshareFrom(netns: string | undefined, bound: NsIdentity | undefined): void {
  if (netns === undefined || bound === undefined) return;
  let current: NsIdentity;
  try {
    current = nsIdentity(netns);
  } catch {
    return; // the runtime already removed its namespace file
  }
  if (!sameNs(current, bound) || !isMountPoint(netns)) return;
  unbindNetns(netns);
  pinNewNetns(netns);
}

/** Interfaces and global addresses of a namespace, as a CNI result (interface index per address). */
export function describeNamespace(handle: NetlinkHandle, sandbox: string, cniVersion: string): Result {
  const links = handle.linkList();
  const interfaces: ResultInterface[] = links.map((l) => ({ name: l.name, ...(l.mac ? { mac: l.mac } : {}), mtu: l.mtu, sandbox }));
  const defaults = handle.routeList({ table: "all" }).filter((r) => r.gw !== undefined && parseCidr(r.dst).prefix === 0);
  const ips: ResultIp[] = [];
  for (const a of handle.addrList()) {
    if (a.scope === "host" || a.scope === "link") continue;
    const index = links.findIndex((l) => l.index === a.index);
    const cidr = parseCidr(a.cidr);
    const gw = defaults.find((r) => r.family === a.family && cidrContains(cidr, parseIp(r.gw as string)))?.gw;
    ips.push({ address: a.cidr, ...(gw ? { gateway: gw } : {}), ...(index >= 0 ? { interface: index } : {}) });
  }
  const routes = defaults.map((r) => ({ dst: r.dst, gw: r.gw as string }));
  return { cniVersion, interfaces, ips, routes };
}

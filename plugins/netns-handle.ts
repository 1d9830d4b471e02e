/**
 * Helpers shared by plugins that work inside the container's namespace: open a netlink handle
 * there with a CNI error that names CNI_NETNS when it cannot be opened, and describe lo.
 */
import { existsSync } from "node:fs";
import { cniError, CniErrorCode, type Result } from "../lib/cni/index.ts";
import { openHandle, type NetlinkHandle } from "../lib/netlink/index.ts";

export const LOOPBACK = "lo";

/** berth's plugin-specific error code: the kernel state differs from what ADD left (CHECK). */
export const CHECK_FAILED = 100;

/** Open a netlink handle inside CNI_NETNS. With `missingOk`, a namespace that is gone → undefined. */
export function openContainerHandle(netns: string | undefined): NetlinkHandle;
export function openContainerHandle(netns: string | undefined, opts: { missingOk: true }): NetlinkHandle | undefined;
export function openContainerHandle(netns: string | undefined, opts?: { missingOk: true }): NetlinkHandle | undefined {
  if (netns === undefined || netns === "") {
    if (opts?.missingOk) return undefined;
    throw cniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_NETNS] missing");
  }
  if (opts?.missingOk && !existsSync(netns)) return undefined;
  try {
    return openHandle(netns);
  } catch (cause) {
    if (opts?.missingOk && !existsSync(netns)) return undefined;
    throw cniError(
      CniErrorCode.INVALID_ENV,
      `Cannot open CNI_NETNS ${JSON.stringify(netns)}`,
      `${(cause as Error).message}: CNI_NETNS must name a network namespace (/run/netns/NAME or /proc/PID/ns/net)`,
      { cause },
    );
  }
}

/** A result describing lo in the namespace: the interface and every address it holds. */
export function loopbackResult(handle: NetlinkHandle, sandbox: string): Result {
  const lo = handle.linkGet(LOOPBACK);
  const ips = handle
    .addrList({ link: lo.index })
    .map((a) => ({ address: a.cidr, interface: 0 }));
  return {
    cniVersion: "1.1.0",
    interfaces: [{ name: LOOPBACK, mac: "00:00:00:00:00:00", sandbox }],
    ips,
  };
}

/** DEL for lo: set it down if the namespace still exists (a namespace that is gone is fine). */
export function loopbackDown(netns: string | undefined): void {
  using handle = openContainerHandle(netns, { missingOk: true });
  if (handle === undefined) return;
  const lo = handle.linkFind(LOOPBACK);
  if (lo !== undefined) handle.linkSetDown(lo);
}

/** CHECK for lo: it must be up. */
export function checkLoopbackUp(netns: string | undefined): void {
  using handle = openContainerHandle(netns);
  if (!handle.linkGet(LOOPBACK).up) throw cniError(CHECK_FAILED, `Interface "lo" in ${netns} is down`);
}

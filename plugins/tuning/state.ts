/**
 * The values tuning changes, read from and written to one interface and its namespace's /proc/sys:
 * snapshots (what the values are now), applying a config, restoring a snapshot, and comparing
 * the kernel with a config (CHECK).
 */
import { fstatSync } from "node:fs";
import { cniError, CniErrorCode, causeChain, type Logger } from "../../lib/cni/index.ts";
import { LinkNotFoundError, type Link, type LinkRef, type NetlinkHandle } from "../../lib/netlink/index.ts";

import { SysctlError, sysctlGet, sysctlSet } from "../../lib/sysctl/index.ts";
import type { SysctlSetting, TuningConfig } from "./config.ts";

/** berth's code for a failure of the tuning plugin itself (the kernel refused a change). */
export const TUNING_ERROR = 100;

/** Link attributes tuning changes; a key is present only when tuning changes that attribute. */
export interface LinkValues {
  mac?: string;
  mtu?: number;
  promisc?: boolean;
  allmulti?: boolean;
  txQLen?: number;
}

export interface SysctlValue {
  /** Path segments under /proc/sys. */
  path: string[];
  value: string;
  /** The file belongs to the interface (restored only while it is the same interface). */
  perInterface: boolean;
}

export interface Snapshot {
  link: LinkValues;
  sysctls: SysctlValue[];
}

/** How sysctl(8) names a parameter: dotted, or with "/" when a part (an interface name) has a dot. */
export const sysctlName = (path: readonly string[]): string => path.join(path.some((p) => p.includes(".")) ? "/" : ".");

/** "dev:ino" of the namespace a handle works in: tells a namespace from a later one at the same path. */
export function netnsIdentity(handle: NetlinkHandle): string {
  const st = fstatSync(handle.netnsFd, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/** Equivalent to `ip link set LINK allmulticast on|off` (no handle method exists for it). */
export function linkSetAllmulti(handle: NetlinkHandle, link: Link, on: boolean): void {
  handle.linkSetAllmulti(link, on);
}

export const isAllmulti = (link: Link): boolean => link.allmulti;

/** The current values of exactly the link attributes `conf` changes. */
export function linkValuesFor(conf: TuningConfig, link: Link): LinkValues {
  const out: LinkValues = {};
  if (conf.mac !== undefined && link.mac !== undefined) out.mac = link.mac;
  if (conf.promisc) out.promisc = link.promisc;
  if (conf.mtu !== undefined) out.mtu = link.mtu;
  if (conf.allmulti !== undefined) out.allmulti = isAllmulti(link);
  if (conf.txQLen !== undefined) out.txQLen = link.txQLen;
  return out;
}

/** The values `conf` will set. */
export function targetValues(conf: TuningConfig): Snapshot {
  const link: LinkValues = {};
  if (conf.mac !== undefined) link.mac = conf.mac;
  if (conf.promisc) link.promisc = true;
  if (conf.mtu !== undefined) link.mtu = conf.mtu;
  if (conf.allmulti !== undefined) link.allmulti = conf.allmulti;
  if (conf.txQLen !== undefined) link.txQLen = conf.txQLen;
  return { link, sysctls: conf.sysctls.map((s) => ({ path: s.path, value: s.value, perInterface: s.perInterface })) };
}

/** A sysctl failure as a CNI error: a missing parameter or a refused value is the config's fault (7). */
function sysctlFailure(action: string, s: SysctlSetting | SysctlValue, cause: unknown): Error {
  const errno = ((cause as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  const name = sysctlName(s.path);
  const reason = causeChain(cause);
  if (errno === "ENOENT") {
    return cniError(CniErrorCode.INVALID_CONFIG, `Sysctl ${name} does not exist in the container's namespace`, reason, { cause });
  }
  if (errno === "EINVAL" || errno === "ERANGE" || errno === "EISDIR" || errno === "EOPNOTSUPP") {
    return cniError(CniErrorCode.INVALID_CONFIG, `Cannot ${action} sysctl ${name}`, reason, { cause });
  }
  return cniError(TUNING_ERROR, `Cannot ${action} sysctl ${name}`, reason, { cause });
}

/** Read the current value of every sysctl `conf` sets (fails, before any change, on a missing one). */
export function readSysctls(handle: NetlinkHandle, settings: readonly SysctlSetting[]): SysctlValue[] {
  return settings.map((s) => {
    try {
      return { path: s.path, value: sysctlGet(s.path, handle.netns), perInterface: s.perInterface };
    } catch (err) {
      throw sysctlFailure("read", s, err);
    }
  });
}

function linkFailure(what: string, ifname: string, cause: unknown): Error {
  return cniError(TUNING_ERROR, `Cannot set ${what} of "${ifname}"`, causeChain(cause), { cause });
}

/**
 * Apply a config: link attributes first (in the reference's order: MAC, promisc, MTU, allmulti,
 * txqlen), then sysctls in config order — after, so that an MTU change cannot reset a sysctl
 * it derives from (net.ipv6.conf.IFNAME.mtu). Stops at the first failure (the caller undoes).
 */
export function applyConfig(handle: NetlinkHandle, conf: TuningConfig, link: Link | undefined, ifname: string): void {
  if (link !== undefined) {
    const ref: LinkRef = { index: link.index, name: ifname };
    const step = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        throw linkFailure(what, ifname, err);
      }
    };
    if (conf.mac !== undefined && conf.mac !== link.mac) step(`MAC address ${conf.mac}`, () => handle.linkSetMac(ref, conf.mac as string));
    if (conf.promisc && !link.promisc) step("promiscuous mode", () => handle.linkSetPromisc(ref, true));
    if (conf.mtu !== undefined && conf.mtu !== link.mtu) step(`MTU ${conf.mtu}`, () => handle.linkSetMtu(ref, conf.mtu as number));
    if (conf.allmulti !== undefined && conf.allmulti !== isAllmulti(link)) {
      step(`all-multicast mode ${conf.allmulti ? "on" : "off"}`, () => linkSetAllmulti(handle, link, conf.allmulti as boolean));
    }
    if (conf.txQLen !== undefined && conf.txQLen !== link.txQLen) step(`transmit queue length ${conf.txQLen}`, () => handle.linkSetTxQLen(ref, conf.txQLen as number));
  }
  for (const s of conf.sysctls) {
    try {
      sysctlSet(s.path, s.value, handle.netns);
    } catch (err) {
      throw sysctlFailure("set", s, err);
    }
  }
}

const isGone = (err: unknown): boolean =>
  err instanceof LinkNotFoundError || (err instanceof SysctlError && ((err.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT"));

/**
 * Put a snapshot back, best effort: every value is attempted; what is gone (the interface, a
 * per-interface sysctl) is skipped. The link is restored only while it is still the interface
 * the snapshot was taken from (`ifindex`), link attributes before sysctls (the reverse of ADD).
 * Returns the failures (empty when everything was restored or gone).
 */
export function restoreSnapshot(handle: NetlinkHandle, ifname: string, ifindex: number | undefined, snap: Snapshot, log: Logger): string[] {
  const failures: string[] = [];
  const attempt = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (isGone(err)) return;
      failures.push(`${what}: ${causeChain(err)}`);
    }
  };
  let link = handle.linkFind(ifname);
  const sameLink = link !== undefined && (ifindex === undefined || link.index === ifindex);
  if (link !== undefined && !sameLink) {
    log.info({ ifname, recorded: ifindex, now: link.index }, "the interface was replaced since ADD: its attributes are left alone");
  }
  if (link !== undefined && sameLink) {
    const l = link;
    const ref: LinkRef = { index: l.index, name: ifname };
    const v = snap.link;
    if (v.mtu !== undefined && v.mtu !== l.mtu) attempt(`restore MTU ${v.mtu}`, () => handle.linkSetMtu(ref, v.mtu as number));
    if (v.mac !== undefined && v.mac !== l.mac) attempt(`restore MAC address ${v.mac}`, () => handle.linkSetMac(ref, v.mac as string));
    if (v.promisc !== undefined && v.promisc !== l.promisc) attempt("restore promiscuous mode", () => handle.linkSetPromisc(ref, v.promisc as boolean));
    if (v.allmulti !== undefined && v.allmulti !== isAllmulti(l)) attempt("restore all-multicast mode", () => linkSetAllmulti(handle, l, v.allmulti as boolean));
    if (v.txQLen !== undefined && v.txQLen !== l.txQLen) attempt("restore transmit queue length", () => handle.linkSetTxQLen(ref, v.txQLen as number));
  }
  if (!sameLink) link = undefined;
  for (const s of [...snap.sysctls].reverse()) {
    if (s.perInterface && link === undefined) continue;
    attempt(`restore sysctl ${sysctlName(s.path)}=${s.value}`, () => sysctlSet(s.path, s.value, handle.netns));
  }
  return failures;
}

/** Whitespace-insensitive sysctl comparison ("4096\t131072" equals "4096 131072"). */
export const sameSysctlValue = (a: string, b: string): boolean => a.trim().split(/\s+/).join(" ") === b.trim().split(/\s+/).join(" ");

/** CHECK: every difference between the kernel and `conf`, named (empty when they agree). */
export function differences(handle: NetlinkHandle, conf: TuningConfig, ifname: string, netns: string): string[] {
  const problems: string[] = [];
  const link = handle.linkFind(ifname);
  if (link === undefined) {
    problems.push(`interface "${ifname}" is missing from ${netns}`);
  } else {
    if (conf.mac !== undefined && conf.mac !== link.mac) problems.push(`MAC address of "${ifname}" is ${link.mac ?? "none"}, configured ${conf.mac}`);
    // Like the reference: promisc false means the link must not be promiscuous either.
    if (conf.promisc !== link.promisc) problems.push(`promiscuous mode of "${ifname}" is ${link.promisc ? "on" : "off"}, configured ${conf.promisc ? "on" : "off"}`);
    if (conf.mtu !== undefined && conf.mtu !== link.mtu) problems.push(`MTU of "${ifname}" is ${link.mtu}, configured ${conf.mtu}`);
    if (conf.allmulti !== undefined && conf.allmulti !== isAllmulti(link)) {
      problems.push(`all-multicast mode of "${ifname}" is ${isAllmulti(link) ? "on" : "off"}, configured ${conf.allmulti ? "on" : "off"}`);
    }
    if (conf.txQLen !== undefined && conf.txQLen !== link.txQLen) problems.push(`transmit queue length of "${ifname}" is ${link.txQLen}, configured ${conf.txQLen}`);
  }
  for (const s of conf.sysctls) {
    let now: string;
    try {
      now = sysctlGet(s.path, handle.netns);
    } catch (err) {
      problems.push(`sysctl ${sysctlName(s.path)} cannot be read: ${(err as Error).message}`);
      continue;
    }
    if (!sameSysctlValue(now, s.value)) problems.push(`sysctl ${sysctlName(s.path)} is ${JSON.stringify(now)}, configured ${JSON.stringify(s.value)}`);
  }
  return problems;
}

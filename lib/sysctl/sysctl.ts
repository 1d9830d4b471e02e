/**
 * Kernel parameters under /proc/sys. net.* values belong to the network namespace of the thread
 * that opens the file, so namespaced access runs the read or write inside withNetns (synchronous
 * file calls run on the calling thread).
 *
 * Writes read first and skip when the value is already right (like netavark): that spares a
 * write, and works where /proc/sys is read-only but already set.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { withNetns, type Netns } from "../netns/index.ts";

/** "net.ipv4.conf.eth0.arp_notify" → "/proc/sys/net/ipv4/conf/eth0/arp_notify". Interface names may contain dots: pass them as a path segment array instead. */
export function sysctlPath(name: string | string[]): string {
  const parts = Array.isArray(name) ? name : name.split(".");
  for (const p of parts) {
    if (p === "" || p === "." || p === ".." || p.includes("/")) {
      throw new TypeError(`Invalid sysctl name ${JSON.stringify(Array.isArray(name) ? parts.join(".") : name)}`);
    }
  }
  return `/proc/sys/${parts.join("/")}`;
}

function display(name: string | string[]): string {
  return Array.isArray(name) ? name.join(".") : name;
}

export class SysctlError extends Error {
  readonly sysctl: string;
  constructor(action: string, name: string, cause: unknown, hint?: string) {
    super(`Cannot ${action} sysctl ${name}: ${(cause as Error).message}${hint ? ` (${hint})` : ""}`, { cause });
    this.name = "SysctlError";
    this.sysctl = name;
  }
}

function hintFor(name: string, cause: unknown): string | undefined {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT" && name.includes("ipv6")) return "is IPv6 disabled on this host?";
  if (code === "ENOENT") return "no such parameter or interface";
  return undefined;
}

/** Read a sysctl (trimmed). */
export function sysctlGet(name: string | string[], ns?: Netns | string): string {
  const path = sysctlPath(name);
  const read = () => readFileSync(path, "utf8").trim();
  try {
    return ns === undefined ? read() : withNetns(ns, read);
  } catch (cause) {
    throw new SysctlError("read", display(name), cause, hintFor(display(name), cause));
  }
}

/** Set a sysctl unless it already holds `value`; returns the previous value. */
export function sysctlSet(name: string | string[], value: string | number, ns?: Netns | string): string {
  const path = sysctlPath(name);
  const want = String(value);
  const apply = () => {
    const before = readFileSync(path, "utf8").trim();
    if (before !== want) writeFileSync(path, want);
    return before;
  };
  try {
    return ns === undefined ? apply() : withNetns(ns, apply);
  } catch (cause) {
    throw new SysctlError("set", display(name), cause, hintFor(display(name), cause));
  }
}

/**
 * Clearing connection-tracking entries of host ports whose mapping changed: a UDP "flow" to a
 * port keeps being NATed by its old entry (to the old container, or to nowhere) until it times
 * out, so ADD and DEL delete the entries (TCP and UDP, both families) whose original destination
 * port is the host port, over ctnetlink in the host's namespace. Failures are logged, never
 * fatal: the mapping itself is in place.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "../../lib/cni/index.ts";
import { openConntrackHandle } from "../../lib/netlink/index.ts";

/** How many entries this namespace tracks (the proc file follows the reader's namespace). */
function trackedHere(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/net/netfilter/nf_conntrack_count", "utf8"));
  } catch {
    return undefined;
  }
}

export function clearConntrack(ports: readonly { protocol: string; hostPort: number }[], log: Logger): void {
  if (ports.length === 0) return;
  // Nothing tracked, nothing stale: skips a dump that walks the kernel's whole hash table.
  if (trackedHere() === 0) return;
  try {
    using ct = openConntrackHandle();
    const filters = ports.flatMap((p) => ([4, 6] as const).map((family) => ({ family, protocol: p.protocol as "tcp" | "udp" | "sctp", origDstPort: p.hostPort })));
    const deleted = ct.deleteAny(filters);
    if (deleted > 0) log.info({ deleted }, "stale conntrack entries of published ports deleted");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "clearing conntrack entries failed: stale flows of published ports are kept until they expire");
  }
}

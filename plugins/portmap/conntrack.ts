/**
 * Clearing connection-tracking entries of host ports whose mapping changed: a UDP "flow" to a
 * port keeps being NATed by its old entry (to the old container, or to nowhere) until it times
 * out, so ADD and DEL delete the entries (TCP and UDP, both families) whose original destination
 * port is the host port, over ctnetlink in the host's namespace. Failures are logged, never
 * fatal: the mapping itself is in place.
 */
import type { Logger } from "../../lib/cni/index.ts";
import { openConntrackHandle } from "../../lib/netlink/index.ts";

export function clearConntrack(ports: readonly { protocol: string; hostPort: number }[], log: Logger): void {
  if (ports.length === 0) return;
  try {
    using ct = openConntrackHandle();
    let deleted = 0;
    for (const p of ports) {
      const protocol = p.protocol as "tcp" | "udp" | "sctp";
      for (const family of [4, 6] as const) deleted += ct.delete({ family, protocol, origDstPort: p.hostPort });
    }
    if (deleted > 0) log.info({ deleted }, "stale conntrack entries of published ports deleted");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "clearing conntrack entries failed: stale flows of published ports are kept until they expire");
  }
}

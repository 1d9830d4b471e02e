/**
 * Clearing connection-tracking entries of host ports whose mapping changed: a UDP "flow" to a
 * port keeps being NATed by its old entry (to the old container, or to nowhere) until it times
 * out, so ADD and DEL delete the entries whose original destination port is the host port.
 * Failures are logged, never fatal: the mapping itself is in place.
 */
import type { Logger } from "../../lib/cni/index.ts";

export async function clearConntrack(ports: readonly { protocol: string; hostPort: number }[], log: Logger): Promise<void> {
  if (ports.length === 0) return;
  const { spawnSync } = await import("node:child_process");
  for (const p of ports) {
    for (const family of ["ipv4", "ipv6"]) {
      const out = spawnSync("conntrack", ["-D", "-f", family, "-p", p.protocol, "--orig-port-dst", String(p.hostPort)], { encoding: "utf8", timeout: 10_000 });
      // Exit 1 with "0 flow entries" is the common, quiet case.
      if (out.error) {
        log.warn({ err: out.error.message }, "conntrack is not available: stale flows of published ports are kept until they expire");
        return;
      }
      if (out.status !== 0 && !/0 flow entries/.test(out.stderr)) log.warn({ port: p.hostPort, protocol: p.protocol, stderr: out.stderr.trim() }, "clearing conntrack entries failed");
    }
  }
}

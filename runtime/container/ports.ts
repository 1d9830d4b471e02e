/**
 * Docker's `-p` grammar and `-P`: `[ip:][hostPort[-end]:]containerPort[-end][/proto]`, IPv6 host
 * addresses in brackets; `-P` gives each exposed port a free host port from the kernel's
 * ephemeral range (ip_local_port_range), skipping ports berth already published or sees in use.
 */
import { readFileSync } from "node:fs";
import type { PortBinding } from "./store.ts";

export class PortSpecError extends Error {
  constructor(spec: string, problem: string) {
    super(`invalid port specification "${spec}": ${problem}`);
    this.name = "PortSpecError";
  }
}

function range(spec: string, text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new PortSpecError(spec, `${what} "${text}" is not a port or a range like 8000-8010`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) throw new PortSpecError(spec, `${what} must be within 1-65535, start before end`);
  return [a, b];
}

/** One `-p` value → bindings (hostPort 0 = pick a free one). */
export function parsePublish(spec: string): PortBinding[] {
  let rest = spec;
  let protocol: PortBinding["protocol"] = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== "tcp" && p !== "udp" && p !== "sctp") throw new PortSpecError(spec, `protocol "${p}" must be tcp, udp or sctp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIP = "";
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  let parts: string[];
  if (bracket) {
    hostIP = bracket[1] as string;
    parts = ["", ...(bracket[2] as string).split(":")];
  } else parts = rest.split(":");
  let hostText = "";
  let ctrText: string;
  if (parts.length === 1) ctrText = parts[0] as string;
  else if (parts.length === 2) [hostText, ctrText] = parts as [string, string];
  else if (parts.length === 3) {
    if (!bracket) hostIP = parts[0] as string;
    hostText = parts[1] as string;
    ctrText = parts[2] as string;
  } else throw new PortSpecError(spec, "too many ':' (use [ip:][hostPort:]containerPort)");
  const [c0, c1] = range(spec, ctrText, "container port");
  const count = c1 - c0 + 1;
  if (hostText === "") return Array.from({ length: count }, (_, i) => ({ protocol, containerPort: c0 + i, hostIP, hostPort: 0 }));
  const [h0, h1] = range(spec, hostText, "host port");
  if (h1 - h0 + 1 !== count && !(count === 1)) throw new PortSpecError(spec, "the host and container ranges must have the same length");
  if (count === 1 && h1 !== h0) return [{ protocol, containerPort: c0, hostIP, hostPort: h0 }]; // docker: first free of the range; berth takes the first
  return Array.from({ length: count }, (_, i) => ({ protocol, containerPort: c0 + i, hostIP, hostPort: h0 + i }));
}

/** The kernel's ephemeral port range of the current namespace. */
export function ephemeralRange(): [number, number] {
  try {
    const [a, b] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (a !== undefined && b !== undefined && a > 0 && b >= a) return [a, b];
  } catch {
    // fall through
  }
  return [32768, 60999];
}

/** Ports with a listening socket (TCP) or bound (UDP) in this namespace, from /proc/net. */
export function portsInUse(protocol: "tcp" | "udp" | "sctp"): Set<number> {
  const used = new Set<number>();
  if (protocol === "sctp") return used;
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    try {
      for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
        const local = line.trim().split(/\s+/)[1];
        const port = local?.split(":")[1];
        if (port) used.add(parseInt(port, 16));
      }
    } catch {
      // no such table
    }
  }
  return used;
}

/** Give every binding with hostPort 0 a free port, avoiding `taken` (berth's own claims) and sockets in use. */
export function assignFreePorts(bindings: PortBinding[], taken: ReadonlySet<string>): PortBinding[] {
  const [lo, hi] = ephemeralRange();
  const used = new Set(taken);
  const inUse = { tcp: portsInUse("tcp"), udp: portsInUse("udp"), sctp: portsInUse("sctp") };
  let next = lo + Math.floor(Math.random() * (hi - lo + 1));
  return bindings.map((b) => {
    if (b.hostPort !== 0) return b;
    for (let tries = 0; tries <= hi - lo; tries++) {
      const port = next;
      next = next >= hi ? lo : next + 1;
      const key = `${b.protocol}/${port}`;
      if (used.has(key) || inUse[b.protocol].has(port)) continue;
      used.add(key);
      return { ...b, hostPort: port };
    }
    throw new Error(`no free host port left in ${lo}-${hi} for ${b.containerPort}/${b.protocol}`);
  });
}

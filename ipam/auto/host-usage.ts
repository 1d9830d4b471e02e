/**
 * What the host already uses, as seen from the namespace the plugin runs in: every address on
 * every link, every route of every table (except default routes, which cover everything), and
 * the nameservers of resolv.conf. An automatic subnet must overlap none of them.
 */
import { readFileSync } from "node:fs";
import { parseCidr, tryParseIp, makeCidr, type Cidr } from "../../lib/ip/index.ts";
import type { NetlinkHandle } from "../../lib/netlink/index.ts";
import type { InUse } from "./pools.ts";

const LOCAL_TABLE = 255;

function linkNames(handle: NetlinkHandle): Map<number, string> {
  return new Map(handle.linkList().map((l) => [l.index, l.name]));
}

/** Nameservers from a resolv.conf text, as /32 or /128 entries. */
export function nameserversIn(resolvConf: string, source: string): InUse[] {
  const out: InUse[] = [];
  for (const line of resolvConf.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const ip = m?.[1] === undefined ? undefined : tryParseIp(m[1].replace(/%.*$/, ""));
    if (ip !== undefined) out.push({ cidr: makeCidr(ip, ip.family === 4 ? 32 : 128), reason: `nameserver in ${source}` });
  }
  return out;
}

export function hostInUse(handle: NetlinkHandle, resolvConfPath = "/etc/resolv.conf"): InUse[] {
  const names = linkNames(handle);
  const out: InUse[] = [];
  for (const a of handle.addrList()) {
    if (a.scope === "host") continue; // 127.0.0.1, ::1
    out.push({ cidr: parseCidr(a.cidr), reason: `address ${a.cidr} on ${names.get(a.index) ?? `ifindex ${a.index}`}` });
  }
  for (const r of handle.routeList({ table: "all" })) {
    if (r.table === LOCAL_TABLE) continue; // mirrors the addresses above
    const cidr: Cidr = parseCidr(r.dst);
    if (cidr.prefix === 0) continue; // a default route says nothing about what is free
    if (cidr.ip.family === 6 && r.dst.startsWith("fe80:")) continue;
    const via = r.gw ? ` via ${r.gw}` : r.dev !== undefined ? ` dev ${names.get(r.dev) ?? r.dev}` : "";
    out.push({ cidr, reason: `route ${r.dst}${via} in table ${r.table === 254 ? "main" : r.table}` });
  }
  try {
    out.push(...nameserversIn(readFileSync(resolvConfPath, "utf8"), resolvConfPath));
  } catch {
    // No resolv.conf: nothing to avoid.
  }
  return out;
}

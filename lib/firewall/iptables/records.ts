/**
 * What the iptables backend remembers besides the shared ownership store: each network's
 * policy and masquerade request, stamped with the boot they were applied in, under
 * `<stateDir>/.firewall/iptables/` — repair puts them back, and a masquerade recorded in this
 * boot costs later ADDs one file read.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { bootId, writeFileAtomic } from "../../store/index.ts";
import type { MasqueradeRequest } from "../masquerade.ts";
import type { NetworkPolicy } from "../policy.ts";
import { firewallDir } from "../skeleton.ts";
import { networkId } from "./rules.ts";

export function iptablesDir(stateDir: string): string {
  return `${firewallDir(stateDir)}/iptables`;
}

type Kind = "policy" | "masq";

interface Stamped {
  bootId: string;
}

function file(stateDir: string, kind: Kind, network: string): string {
  return `${iptablesDir(stateDir)}/${kind}-${networkId(network)}.json`;
}

function read<T>(path: string): (T & Stamped) | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T & Stamped;
  } catch {
    return undefined;
  }
}

function write(path: string, value: object): void {
  writeFileAtomic(path, `${JSON.stringify({ ...value, bootId: bootId() })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
}

export function readPolicy(stateDir: string, network: string): (NetworkPolicy & Stamped) | undefined {
  return read<NetworkPolicy>(file(stateDir, "policy", network));
}

export function writePolicy(stateDir: string, p: NetworkPolicy): void {
  write(file(stateDir, "policy", p.network), { network: p.network, icc: p.icc, internal: p.internal, isolate: p.isolate });
}

export function forgetPolicy(stateDir: string, network: string): void {
  rmSync(file(stateDir, "policy", network), { force: true });
}

/** The masquerade request recorded for the network in this boot, if any. */
export function readMasquerade(stateDir: string, network: string): MasqueradeRequest | undefined {
  const r = read<MasqueradeRequest>(file(stateDir, "masq", network));
  return r?.bootId === bootId() ? { network: r.network, subnets: r.subnets } : undefined;
}

export function writeMasquerade(stateDir: string, r: MasqueradeRequest): void {
  write(file(stateDir, "masq", r.network), { network: r.network, subnets: r.subnets });
}

/** Every recorded policy and masquerade (any boot): what repair puts back. */
export function allRecords(stateDir: string): { policies: NetworkPolicy[]; masquerades: MasqueradeRequest[] } {
  const dir = iptablesDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return { policies: [], masquerades: [] };
  }
  const policies: NetworkPolicy[] = [];
  const masquerades: MasqueradeRequest[] = [];
  for (const name of names) {
    if (name.startsWith("policy-")) {
      const r = read<NetworkPolicy>(`${dir}/${name}`);
      if (typeof r?.network === "string") policies.push({ network: r.network, icc: r.icc !== false, internal: r.internal === true, isolate: r.isolate === true });
    } else if (name.startsWith("masq-")) {
      const r = read<MasqueradeRequest>(`${dir}/${name}`);
      if (typeof r?.network === "string" && Array.isArray(r.subnets)) masquerades.push({ network: r.network, subnets: r.subnets });
    }
  }
  return { policies, masquerades };
}

/** After a repair: every record holds for this boot. */
export function restamp(stateDir: string, records: { policies: NetworkPolicy[]; masquerades: MasqueradeRequest[] }): void {
  for (const p of records.policies) writePolicy(stateDir, p);
  for (const m of records.masquerades) writeMasquerade(stateDir, m);
}

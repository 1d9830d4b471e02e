/**
 * berth's rules in iptables terms: the same owned elements the nft backend keeps in sets and
 * maps, each rendered as one rule per address family with a deterministic spec and a comment
 * that names berth and the element, plus the constant chains (the skeleton) and a network's
 * chains. Pure: nothing here runs a program.
 *
 * | table  | chain              | entered from                    | holds                                  |
 * |--------|--------------------|---------------------------------|----------------------------------------|
 * | raw    | PREROUTING         | (built in)                      | the guard: 127.0.0.0/8 only from lo    |
 * | nat    | BERTH-PREROUTING   | PREROUTING, local destinations  | a jump to BERTH-HOSTPORTS              |
 * | nat    | BERTH-OUTPUT       | OUTPUT, local destinations      | a jump to BERTH-HOSTPORTS              |
 * | nat    | BERTH-HOSTPORTS    | the two above                   | one DNAT per published port (elements) |
 * | nat    | BERTH-POSTROUTING  | POSTROUTING                     | localhost, hairpin, masqAll, ipMasq    |
 * | nat    | BERTH-M-<net>      | BERTH-POSTROUTING, by subnet    | a network's masquerade                 |
 * | filter | BERTH-FORWARD      | FORWARD, first rule             | established/DNAT accept, FROM, TO      |
 * | filter | BERTH-FROM/-TO     | BERTH-FORWARD                   | per interface: jump to its network's   |
 * | filter | BERTH-ISOLATION    | isolated networks' BERTH-T-     | drop what comes from a policed iface   |
 * | filter | BERTH-F-/T-<net>   | BERTH-FROM / BERTH-TO           | a network's policy from it / to it     |
 * | filter | BERTH-I-<net>      | BERTH-F-<net>                   | the network's interfaces → BERTH-V-    |
 * | filter | BERTH-V-<net>      | BERTH-I-<net>                   | icc: accept or drop                    |
 *
 * All of BERTH-FROM comes before all of BERTH-TO, as nft's `iifname vmap` precedes its
 * `oifname vmap`: a network's own traffic is accepted by icc before any isolation sees it.
 */
import { formatIp, parseCidr, cidrNetwork } from "../../ip/index.ts";
import { FirewallError } from "../errors.ts";
import type { NftElement, NftField, NftVerdict } from "../nft/values.ts";
import type { NetworkPolicy } from "../policy.ts";

export type Family = 4 | 6;
export type Table = "raw" | "nat" | "filter";

/** One rule: `-A|-I <chain> <match> -m comment --comment "<comment>" <target>`. */
export interface Rule {
  table: Table;
  chain: string;
  match: string;
  target: string;
  comment: string;
  /** Insert as the chain's first rule instead of appending. */
  first?: boolean;
}

/** Rules of one family that belong together (an element's rule, the skeleton of one family). */
export interface FamilyRule extends Rule {
  family: Family;
}

export const CHAINS = {
  prerouting: "BERTH-PREROUTING",
  output: "BERTH-OUTPUT",
  hostports: "BERTH-HOSTPORTS",
  postrouting: "BERTH-POSTROUTING",
  forward: "BERTH-FORWARD",
  from: "BERTH-FROM",
  to: "BERTH-TO",
  isolation: "BERTH-ISOLATION",
} as const;

function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(s)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** A network's part of a chain name: at most 10 characters of its name and its hash (≤ 19). */
export function networkId(network: string): string {
  return `${network.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 10)}-${fnv(network)}`;
}

/** The nft policy identifier (`fwf_<name>_<hash>` without its prefix) as an iptables network id. */
function idFromNft(ident: string): string {
  const cut = ident.lastIndexOf("_");
  if (cut < 0) throw new FirewallError(`berth's policy chain ${JSON.stringify(ident)} has no network hash`);
  return `${ident.slice(0, cut).slice(0, 10)}-${ident.slice(cut + 1)}`;
}

/** The chains of one network (all ≤ 28 characters, iptables' limit). */
export function networkChains(id: string): { from: string; to: string; ifaces: string; icc: string; masq: string } {
  return { from: `BERTH-F-${id}`, to: `BERTH-T-${id}`, ifaces: `BERTH-I-${id}`, icc: `BERTH-V-${id}`, masq: `BERTH-M-${id}` };
}

const host = (family: Family, address: string) => `${address}/${family === 4 ? 32 : 128}`;

function text(f: NftField): string {
  return String(f.value);
}

function ifname(f: NftField | undefined, set: string): string {
  if (f?.type !== "ifname") throw new FirewallError(`element of ${set}: its key must be an interface name`);
  // The name goes into restore input unquoted: refuse what would end or split the token.
  if (!/^[^\s"'\\/:]{1,15}$/.test(f.value)) throw new FirewallError(`interface name ${JSON.stringify(f.value)} of ${set} cannot be written as an iptables rule`);
  return f.value;
}

/** A comment as restore input takes it: no quote or backslash, within iptables' 255 bytes. */
export function cleanComment(s: string): string {
  return s.replace(/["\\\n]/g, "_").slice(0, 240);
}

/** The comment's stable part: berth, the set, the key (data excluded, like elementId). */
export function commentId(e: NftElement): string {
  return cleanComment(`berth ${e.set} ${e.key.map(text).join(" . ")}${e.prefix === undefined ? "" : `/${e.prefix}`}`);
}

/** `berth pm4_any tcp . 8080 : 10.88.0.2 . 80`: names berth, the element and what it maps to. */
export function elementComment(e: NftElement): string {
  if (e.data === undefined) return commentId(e);
  if (Array.isArray(e.data)) return cleanComment(`${commentId(e)} : ${e.data.map(text).join(" . ")}`);
  const v = e.data as NftVerdict;
  return cleanComment(`${commentId(e)} : ${v.verdict}${v.chain === undefined ? "" : ` ${v.chain}`}`);
}

function dnatTarget(family: Family, data: NftElement["data"], set: string): string {
  if (!Array.isArray(data) || data.length !== 2) throw new FirewallError(`element of ${set}: its value must be an address and a port`);
  const [address, port] = data as [NftField, NftField];
  return `-j DNAT --to-destination ${family === 6 ? `[${text(address)}]` : text(address)}:${text(port)}`;
}

function portMatch(proto: NftField | undefined, port: NftField | undefined, set: string): string {
  if (proto?.type !== "inet_proto" || port?.type !== "inet_service") throw new FirewallError(`element of ${set}: its key must start with a protocol and end with a port`);
  return `-p ${proto.value} -m ${proto.value} --dport ${port.value}`;
}

/** Where an interface-keyed element is available: both families unless IPv6 is off. */
export type Families = readonly Family[];

/**
 * The rule(s) one element stands for: one per address family it applies to. Throws naming the
 * set for an element berth's iptables backend does not know.
 */
export function elementRules(e: NftElement, ifaceFamilies: Families = [4, 6]): FamilyRule[] {
  const comment = elementComment(e);
  const pm = /^pm([46])_(any|addr)$/.exec(e.set);
  if (pm) {
    const family = Number(pm[1]) as Family;
    if (pm[2] === "any") {
      return [{ family, table: "nat", chain: CHAINS.hostports, match: portMatch(e.key[0], e.key[1], e.set), target: dnatTarget(family, e.data, e.set), comment }];
    }
    const address = e.key[1];
    if (address === undefined) throw new FirewallError(`element of ${e.set}: its key lacks the host address`);
    // Specific addresses go first, as nft consults pm*_addr before pm*_any.
    return [{ family, table: "nat", chain: CHAINS.hostports, match: `-d ${host(family, text(address))} ${portMatch(e.key[0], e.key[2], e.set)}`, target: dnatTarget(family, e.data, e.set), comment, first: true }];
  }
  const nets = /^pm_(nets|masqall)([46])$/.exec(e.set);
  if (nets) {
    const family = Number(nets[2]) as Family;
    const address = e.key[0];
    if (address === undefined) throw new FirewallError(`element of ${e.set}: it has no address`);
    const match = nets[1] === "nets" ? `-s ${text(address)}/${e.prefix ?? (family === 4 ? 32 : 128)}` : `-d ${host(family, text(address))}`;
    return [{ family, table: "nat", chain: CHAINS.postrouting, match: `${match} -m conntrack --ctstate DNAT`, target: "-j MASQUERADE", comment }];
  }
  const rule = (chain: string, match: string, target: string): FamilyRule[] => ifaceFamilies.map((family) => ({ family, table: "filter", chain, match, target, comment }));
  const jumpTarget = (kind: "from" | "to"): string => {
    const v = e.data as NftVerdict | undefined;
    const prefix = kind === "from" ? "fwf_" : "fwt_";
    if (v === undefined || Array.isArray(v) || v.verdict !== "jump" || !v.chain?.startsWith(prefix)) throw new FirewallError(`element of ${e.set}: its value must jump to a ${prefix} chain`);
    return networkChains(idFromNft(v.chain.slice(prefix.length)))[kind];
  };
  switch (e.set) {
    case "fw_from":
      return rule(CHAINS.from, `-i ${ifname(e.key[0], e.set)}`, `-j ${jumpTarget("from")}`);
    case "fw_to":
      return rule(CHAINS.to, `-o ${ifname(e.key[0], e.set)}`, `-j ${jumpTarget("to")}`);
    case "fw_all":
      return rule(CHAINS.isolation, `-i ${ifname(e.key[0], e.set)}`, "-j DROP");
  }
  if (e.set.startsWith("fwi_")) {
    const chains = networkChains(idFromNft(e.set.slice(4)));
    return rule(chains.ifaces, `-o ${ifname(e.key[0], e.set)}`, `-j ${chains.icc}`);
  }
  throw new FirewallError(`berth's iptables backend has no rule for elements of ${e.set}`);
}

/** A chain and the rules it holds when berth owns all of it (rewritten whole). */
export interface ChainContent {
  table: Table;
  chain: string;
  rules: Rule[];
}

/** What one family's skeleton is: chains elements go into, chains berth rewrites, rules in built-in chains. */
export interface Skeleton {
  /** Created when missing, never flushed: elements live there. */
  holders: { table: Table; chain: string }[];
  /** Created or flushed and filled: only constant rules live there. */
  owned: ChainContent[];
  /** Rules in chains berth does not own (built-in chains, BERTH-POSTROUTING's first rule). */
  hooks: Rule[];
}

export function skeleton(family: Family): Skeleton {
  const c = (text: string) => `berth: ${text}`;
  const local = family === 4 ? "-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8" : "-m addrtype --dst-type LOCAL";
  const hooks: Rule[] = [
    { table: "nat", chain: "PREROUTING", match: local, target: `-j ${CHAINS.prerouting}`, comment: c("published ports of local addresses") },
    { table: "nat", chain: "OUTPUT", match: "-m addrtype --dst-type LOCAL", target: `-j ${CHAINS.output}`, comment: c("the host's own connections to published ports") },
    { table: "nat", chain: "POSTROUTING", match: "", target: `-j ${CHAINS.postrouting}`, comment: c("masquerade") },
    { table: "filter", chain: "FORWARD", match: "", target: `-j ${CHAINS.forward}`, comment: c("published flows and network policy"), first: true },
  ];
  if (family === 4) {
    // With route_localnet on, the kernel would route 127.0.0.0/8 arriving from outside.
    hooks.unshift({ table: "raw", chain: "PREROUTING", match: "! -i lo -d 127.0.0.0/8", target: "-j DROP", comment: c("127.0.0.0/8 only from lo"), first: true });
    hooks.push({ table: "nat", chain: CHAINS.postrouting, match: "-s 127.0.0.0/8 -m conntrack --ctstate DNAT", target: "-j MASQUERADE", comment: c("localhost to published ports"), first: true });
  }
  const jump = (table: Table, chain: string, to: string): Rule => ({ table, chain, match: "", target: `-j ${to}`, comment: c(to) });
  return {
    holders: [
      { table: "nat", chain: CHAINS.hostports },
      { table: "nat", chain: CHAINS.postrouting },
      { table: "filter", chain: CHAINS.from },
      { table: "filter", chain: CHAINS.to },
      { table: "filter", chain: CHAINS.isolation },
    ],
    owned: [
      { table: "nat", chain: CHAINS.prerouting, rules: [jump("nat", CHAINS.prerouting, CHAINS.hostports)] },
      { table: "nat", chain: CHAINS.output, rules: [jump("nat", CHAINS.output, CHAINS.hostports)] },
      {
        table: "filter",
        chain: CHAINS.forward,
        rules: [
          { table: "filter", chain: CHAINS.forward, match: "-m conntrack --ctstate RELATED,ESTABLISHED", target: "-j ACCEPT", comment: c("established") },
          { table: "filter", chain: CHAINS.forward, match: "-m conntrack --ctstate DNAT", target: "-j ACCEPT", comment: c("published ports") },
          jump("filter", CHAINS.forward, CHAINS.from),
          jump("filter", CHAINS.forward, CHAINS.to),
        ],
      },
    ],
    hooks,
  };
}

/** A network's policy chains (both families): the interface chain holds elements, the rest is rewritten. */
export function policyChains(p: NetworkPolicy): { holders: { table: Table; chain: string }[]; owned: ChainContent[] } {
  const n = networkChains(networkId(p.network));
  const c = cleanComment(`berth: network ${p.network}`);
  const r = (chain: string, target: string): Rule => ({ table: "filter", chain, match: "", target, comment: c });
  return {
    holders: [{ table: "filter", chain: n.ifaces }],
    owned: [
      { table: "filter", chain: n.icc, rules: [r(n.icc, p.icc ? "-j ACCEPT" : "-j DROP")] },
      { table: "filter", chain: n.from, rules: [r(n.from, `-j ${n.ifaces}`), ...(p.internal ? [r(n.from, "-j DROP")] : [])] },
      { table: "filter", chain: n.to, rules: [...(p.internal ? [r(n.to, "-j DROP")] : []), ...(p.isolate ? [r(n.to, `-j ${CHAINS.isolation}`)] : [])] },
    ],
  };
}

/** Every chain of a network's policy, in the order they can be removed (referrers first). */
export function policyChainNames(network: string): string[] {
  const n = networkChains(networkId(network));
  return [n.from, n.to, n.ifaces, n.icc];
}

/** The subnets of a masquerade request in one family, as network prefixes. */
export function subnetsOf(subnets: readonly string[], family: Family): string[] {
  return [...new Set(subnets.map((s) => cidrNetwork(parseCidr(s))).filter((s) => s.ip.family === family).map((s) => `${formatIp(s.ip)}/${s.prefix}`))];
}

/** ipMasq of one network in one family: its chain (rewritten) and a jump per subnet. */
export function masqueradeRules(network: string, subnets: readonly string[], family: Family): { chain: ChainContent; jumps: Rule[] } {
  const chain = networkChains(networkId(network)).masq;
  const c = cleanComment(`berth: ipMasq ${network}`);
  const multicast = family === 4 ? "224.0.0.0/4" : "ff00::/8";
  return {
    chain: {
      table: "nat",
      chain,
      rules: [
        { table: "nat", chain, match: `-d ${multicast}`, target: "-j RETURN", comment: c },
        { table: "nat", chain, match: "", target: "-j MASQUERADE", comment: c },
      ],
    },
    // What leaves a subnet for anywhere but the subnet itself.
    jumps: subnetsOf(subnets, family).map((s) => ({ table: "nat", chain: CHAINS.postrouting, match: `-s ${s} ! -d ${s}`, target: `-j ${chain}`, comment: cleanComment(`${c} ${s}`) })),
  };
}

/** A rule as iptables-restore input (`-A` or `-I … 1`). */
export function renderRule(r: Rule): string {
  const head = r.first ? `-I ${r.chain} 1` : `-A ${r.chain}`;
  return [head, r.match, `-m comment --comment "${r.comment}"`, r.target].filter((p) => p !== "").join(" ");
}

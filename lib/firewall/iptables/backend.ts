/**
 * The iptables backend: the nft backend's behaviour over iptables-restore. The ownership store
 * and the element lists are the nft backend's (portState, policyElements); each element becomes a
 * rule per family (rules.ts), and every call checks the constant chains against the ruleset it
 * saved anyway, so a flushed or rebooted host is repaired by the next call that needs them.
 * Owners it publishes for carry `backend: iptables` in their info, which repair goes by.
 */
import { existsSync } from "node:fs";
import { cidrNetwork, formatCidr, parseCidr } from "../../ip/index.ts";
import type { FirewallBackend } from "../backend-interface.ts";
import type { FirewallContext } from "../firewall.ts";
import type { MasqueradeRequest } from "../masquerade.ts";
import { type NftElement, elementId, renderElement } from "../nft/values.ts";
import { ElementOwnership, type OwnedState } from "../ownership.ts";
import { type NetworkPolicy, policyElements } from "../policy.ts";
import { type PublishRequest, portState } from "../portmap.ts";
import { detectedFor } from "./detect.ts";
import { allRecords, forgetPolicy, readMasquerade, readPolicy, restamp, writeMasquerade, writePolicy } from "./records.ts";
import { type Families, type Family, elementRules, masqueradeRules, networkChains, policyChainNames, policyChains, renderRule, skeleton, subnetsOf } from "./rules.ts";
import { IptablesElementWriter, IptablesSession, type IptablesRunner, commandRunner } from "./session.ts";

const TAG = { backend: "iptables" };

export interface IptablesEnvironment {
  /** The save/restore runner for a state directory (the detected flavour's commands by default). */
  runner(stateDir: string): IptablesRunner;
  /** The families interface-keyed rules (policy) go into. */
  ifaceFamilies(): Families;
}

export const hostEnvironment: IptablesEnvironment = {
  runner: (stateDir) => commandRunner(detectedFor(stateDir)),
  ifaceFamilies: () => (existsSync("/proc/sys/net/ipv6") ? [4, 6] : [4]),
};

function familiesOf(elements: readonly NftElement[], ifaceFamilies: Families): Family[] {
  const out = new Set<Family>();
  for (const e of elements) for (const r of elementRules(e, ifaceFamilies)) out.add(r.family);
  return [...out].sort();
}

function queueSkeleton(session: IptablesSession, family: Family): void {
  session.queue(family, (b) => {
    const s = skeleton(family);
    for (const h of s.holders) b.ensureChain(h.table, h.chain);
    for (const c of s.owned) b.ensureChainContent(c);
    for (const r of s.hooks) b.ensureRule(r);
  });
}

function queuePolicy(session: IptablesSession, p: NetworkPolicy): void {
  const chains = policyChains(p);
  for (const family of session.ifaceFamilies) {
    queueSkeleton(session, family);
    session.queue(family, (b) => {
      for (const h of chains.holders) b.ensureChain(h.table, h.chain);
      for (const c of chains.owned) b.ensureChainContent(c);
    });
  }
}

function masqueradeFamilies(req: MasqueradeRequest): Family[] {
  return ([4, 6] as const).filter((f) => subnetsOf(req.subnets, f).length > 0);
}

function queueMasquerade(session: IptablesSession, req: MasqueradeRequest): void {
  for (const family of masqueradeFamilies(req)) {
    queueSkeleton(session, family);
    const { chain, jumps } = masqueradeRules(req.network, req.subnets, family);
    session.queue(family, (b) => {
      b.ensureChainContent(chain);
      for (const j of jumps) b.ensureRule(j);
    });
  }
}

function normalize(req: MasqueradeRequest): MasqueradeRequest {
  return { network: req.network, subnets: [...new Set(req.subnets.map((s) => formatCidr(cidrNetwork(parseCidr(s)))))].sort() };
}

/** The iptables FirewallBackend over an environment (tests give a fake runner). */
export function makeIptablesBackend(env: IptablesEnvironment): FirewallBackend {
  const open = (stateDir: string) => {
    const session = new IptablesSession(env.runner(stateDir), env.ifaceFamilies());
    return { session, writer: new IptablesElementWriter(session), owners: new ElementOwnership(stateDir) };
  };

  const ensureMasquerade = (given: MasqueradeRequest, stateDir: string): boolean => {
    const req = normalize(given);
    const covers = (r: MasqueradeRequest | undefined) => r !== undefined && req.subnets.every((s) => r.subnets.includes(s));
    if (covers(readMasquerade(stateDir, req.network))) return false;
    const { session, owners } = open(stateDir);
    using _lock = owners.lock();
    const before = readMasquerade(stateDir, req.network);
    if (covers(before)) return false;
    const merged: MasqueradeRequest = { network: req.network, subnets: [...new Set([...(before?.subnets ?? []), ...req.subnets])].sort() };
    queueMasquerade(session, merged);
    session.run();
    writeMasquerade(stateDir, merged);
    return true;
  };

  const masqueradePresent = (given: MasqueradeRequest, stateDir: string): boolean => {
    const req = normalize(given);
    const { session } = open(stateDir);
    return masqueradeFamilies(req).every((family) => {
      const { chain, jumps } = masqueradeRules(req.network, req.subnets, family);
      const live = session.live(family).get("nat");
      const inChain = live?.rules.filter((r) => r.chain === chain.chain) ?? [];
      return inChain.some((r) => r.target === "MASQUERADE") && jumps.every((j) => live?.rules.some((r) => r.chain === j.chain && r.comment === j.comment));
    });
  };

  const publishPorts = (req: PublishRequest, ctx: FirewallContext): OwnedState => {
    const state = portState(req);
    state.info = { ...state.info, ...TAG };
    const { session, writer, owners } = open(ctx.stateDir);
    using _lock = owners.lock();
    for (const family of familiesOf(state.elements, session.ifaceFamilies)) queueSkeleton(session, family);
    owners.commit(req.owner, state, writer);
    return state;
  };

  const applyPolicy = (owner: string, info: Record<string, string>, policy: NetworkPolicy, iface: string, ctx: FirewallContext): OwnedState => {
    const { session, writer, owners } = open(ctx.stateDir);
    using _lock = owners.lock();
    queuePolicy(session, policy);
    const state: OwnedState = { info: { ...info, ...TAG }, elements: policyElements(policy.network, iface), ports: [] };
    owners.commit(owner, state, writer);
    writePolicy(ctx.stateDir, policy);
    return state;
  };

  const release = (owner: string, ctx: FirewallContext): boolean => {
    const { writer, owners } = open(ctx.stateDir);
    using _lock = owners.lock();
    return owners.release(owner, writer);
  };

  const releasePolicy = (owner: string, network: string, ownerPrefix: string, ctx: FirewallContext): boolean => {
    const { session, writer, owners } = open(ctx.stateDir);
    using _lock = owners.lock();
    const held = owners.release(owner, writer);
    if (owners.owners(ownerPrefix).length > 0 || readPolicy(ctx.stateDir, network) === undefined) return held;
    for (const family of session.ifaceFamilies) session.queue(family, (b) => b.dropChains("filter", policyChainNames(network)));
    session.run();
    forgetPolicy(ctx.stateDir, network);
    return held;
  };

  const missing = (owner: string, ctx: FirewallContext): string[] => {
    const { session, owners } = open(ctx.stateDir);
    const state = owners.owned(owner);
    if (state === undefined) return [];
    const out: string[] = [];
    for (const e of state.elements) {
      for (const r of elementRules(e, session.ifaceFamilies)) {
        const table = session.live(r.family).get(r.table);
        if (!table?.rules.some((x) => x.chain === r.chain && x.comment === r.comment)) out.push(`${e.set} { ${renderElement(e)} }: rule "${renderRule(r)}" is missing from IPv${r.family} table ${r.table}`);
      }
      // A policy owner's network chains, named by its fw_from element.
      if (e.set === "fw_from") {
        for (const family of session.ifaceFamilies) {
          for (const chain of Object.values(fromChainSet(e))) {
            if (!session.live(family).get("filter")?.chains.has(chain)) out.push(`chain ${chain} is missing from IPv${family} table filter`);
          }
        }
      }
    }
    return out;
  };

  const reapplyAll = (ctx: FirewallContext): { networks: string[] } => {
    const { session, writer, owners } = open(ctx.stateDir);
    using _lock = owners.lock();
    const records = allRecords(ctx.stateDir);
    const elements = new Map<string, NftElement>();
    for (const o of owners.owners("")) {
      const state = owners.owned(o);
      if (state?.info.backend !== TAG.backend) continue;
      for (const e of state.elements) elements.set(elementId(e), e);
    }
    if (records.policies.length + records.masquerades.length + elements.size === 0) return { networks: [] };
    for (const family of familiesOf([...elements.values()], session.ifaceFamilies)) queueSkeleton(session, family);
    for (const p of records.policies) queuePolicy(session, p);
    for (const m of records.masquerades) queueMasquerade(session, m);
    writer.apply([...elements.values()], []);
    restamp(ctx.stateDir, records);
    return { networks: [...new Set([...records.policies, ...records.masquerades].map((r) => r.network))].sort() };
  };

  return { name: "iptables", ensureMasquerade, masqueradePresent, publishPorts, applyPolicy, release, releasePolicy, missing, reapplyAll };
}

/** The network chains a fw_from element's jump names (from, to, interfaces, icc). */
function fromChainSet(e: NftElement): Record<string, string> {
  const [rule] = elementRules(e, [4]);
  const from = rule?.target.replace(/^-j /, "") ?? "";
  const id = from.replace(/^BERTH-F-/, "");
  const { masq: _masq, ...chains } = networkChains(id);
  return chains;
}

export const iptablesBackend: FirewallBackend = makeIptablesBackend(hostEnvironment);

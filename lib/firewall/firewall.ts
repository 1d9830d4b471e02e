/**
 * lib/firewall's interface: plain, serialisable requests in; one atomic transaction each out.
 * The table's skeleton goes in through `nft -f`, once per boot; a network's chains go in over
 * nfnetlink once the skeleton is there (as script text to an injected `apply`); per-container
 * work is elements, sent over nfnetlink and owned in the state store (ownership.ts) under one
 * lock.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { FileLock, bootId, writeFileAtomic } from "../store/index.ts";
import { nftApply, nftList } from "./nft/exec.ts";
import { chainExists, putNetworkChains, removeChains } from "./nft/netlink-chains.ts";
import { NftNetlinkWriter } from "./nft/netlink-writer.ts";
import { type NetworkChains, renderChainsScript, renderRemovalScript } from "./nft/network-chains.ts";
import { NftScriptWriter, renderElementChanges } from "./nft/script-writer.ts";
import { type NftElement, renderElement } from "./nft/values.ts";
import { ElementOwnership, type ElementWriter, type OwnedState } from "./ownership.ts";
import { type NetworkPolicy, policyChains, policyElements, policyNames, policyObjects } from "./policy.ts";
import { type PublishRequest, portState } from "./portmap.ts";
import { TABLE, declarationsOf, ensureSkeleton, firewallDir, markSkeletonApplied, renderSkeleton } from "./skeleton.ts";
import { recordedMasquerades, renderMasquerade, restampMasquerades } from "./masquerade.ts";

export interface FirewallContext {
  /** The plugins' state directory; berth's firewall records live in `<stateDir>/.firewall`. */
  stateDir: string;
  /** Runs one nft script (tests inject a recorder). */
  apply?: (script: string) => void;
  /** Applies element changes (default: through nft; the netlink writer where available). */
  writer?: ElementWriter;
}

function parts(ctx: FirewallContext): { apply: (s: string) => void; writer: ElementWriter; owners: ElementOwnership } {
  const apply = ctx.apply ?? nftApply;
  // An injected nft runner (tests) gets the script writer, so it sees every change as text.
  const writer = ctx.writer ?? (ctx.apply === undefined ? new NftNetlinkWriter() : new NftScriptWriter(apply));
  return { apply, writer, owners: new ElementOwnership(ctx.stateDir) };
}

interface ScriptRecord {
  name: string;
  network: string;
  script: string;
  bootId: string;
}

/**
 * Put a network-level script (its chains) in place with `put` unless this very script was
 * applied in this boot; the script is the record (the no-op check, repair). The caller holds
 * the firewall lock.
 */
export function ensureScript(stateDir: string, network: string, name: string, script: string, put: () => void): boolean {
  const file = `${firewallDir(stateDir)}/scripts/${name}.json`;
  const boot = bootId();
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as ScriptRecord;
    if (r.script === script && r.bootId === boot) return false;
  } catch {
    // Not applied yet.
  }
  put();
  writeFileAtomic(file, `${JSON.stringify({ name, network, script, bootId: boot })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
  return true;
}

/**
 * Make sure a network's chains are in place (once per boot, by the record): over nfnetlink by
 * default, as script text when the context injects `apply`. The caller holds the firewall lock.
 */
export function ensureNetworkChains(ctx: FirewallContext, name: string, chains: NetworkChains): boolean {
  return ensureScript(ctx.stateDir, chains.network, name, renderChainsScript(chains), () => putNetworkChains(ctx.stateDir, chains, ctx.apply));
}

/** Publish a container's ports (replacing what the same owner published before). */
export function publishPorts(req: PublishRequest, ctx: FirewallContext): OwnedState {
  const { apply, writer, owners } = parts(ctx);
  const state = portState(req);
  using _lock = owners.lock();
  ensureSkeleton(ctx.stateDir, apply, true);
  owners.commit(req.owner, state, writer);
  return state;
}

/** Put one host-side interface of a network under the network's policy. */
export function applyPolicy(owner: string, info: Record<string, string>, policy: NetworkPolicy, iface: string, ctx: FirewallContext): OwnedState {
  const { writer, owners } = parts(ctx);
  using _lock = owners.lock();
  ensureNetworkChains(ctx, policyNames(policy.network).from, policyChains(policy));
  const state: OwnedState = { info, elements: policyElements(policy.network, iface), ports: [] };
  owners.commit(owner, state, writer);
  return state;
}

/** A linked pair allowed through icc=false: the client may open `protocol`/`port` on the server. */
export interface LinkAllowance {
  client: string;
  server: string;
  protocol: "tcp" | "udp" | "sctp";
  port: number;
}

/** Allow exactly these linked pairs (docker --link on an icc=false network); replaces the owner's previous ones. */
export function allowLinks(owner: string, info: Record<string, string>, links: LinkAllowance[], ctx: FirewallContext): OwnedState {
  const { apply, writer, owners } = parts(ctx);
  using _lock = owners.lock();
  ensureSkeleton(ctx.stateDir, apply, true);
  const state: OwnedState = {
    info,
    elements: links.map((l) => ({
      set: "fw_links4",
      key: [
        { type: "ipv4_addr", value: l.client },
        { type: "ipv4_addr", value: l.server },
        { type: "inet_proto", value: l.protocol },
        { type: "inet_service", value: l.port },
      ],
    })),
    ports: [],
  };
  owners.commit(owner, state, writer);
  return state;
}

/** Under the firewall lock: prepare (tables) with `apply`, then make `owner` hold what `build` returns. */
export function applyOwned(owner: string, ctx: FirewallContext, build: (apply: (script: string) => void) => OwnedState): OwnedState {
  const { apply, writer, owners } = parts(ctx);
  using _lock = owners.lock();
  const state = build(apply);
  owners.commit(owner, state, writer);
  return state;
}

/** Give up everything an owner holds (ports, policy elements); false when it held nothing. */
export function release(owner: string, ctx: FirewallContext): boolean {
  const { writer, owners } = parts(ctx);
  using _lock = owners.lock();
  return owners.release(owner, writer);
}

/**
 * Give up a policy attachment; when it was the network's last, the network's chains and set go
 * too, so a host without containers is back to the bare skeleton.
 */
export function releasePolicy(owner: string, network: string, ownerPrefix: string, ctx: FirewallContext): boolean {
  const { writer, owners } = parts(ctx);
  using _lock = owners.lock();
  const held = owners.release(owner, writer);
  if (owners.owners(ownerPrefix).length > 0) return held;
  const names = policyNames(network);
  const file = `${firewallDir(ctx.stateDir)}/scripts/${names.from}.json`;
  try {
    readFileSync(file);
  } catch {
    return held;
  }
  if (ctx.apply === undefined) removeChains(policyObjects(network));
  else if (chainExists(names.from)) ctx.apply(renderRemovalScript(policyObjects(network)));
  rmSync(file, { force: true });
  return held;
}

/** What the owner's record says it holds, if anything. */
export function ownedBy(owner: string, ctx: FirewallContext): OwnedState | undefined {
  return new ElementOwnership(ctx.stateDir).owned(owner);
}

/** The owner's elements missing from the live table (for CHECK). */
export function missingElements(owner: string, ctx: FirewallContext): NftElement[] {
  const state = ownedBy(owner, ctx);
  if (state === undefined) return [];
  const listings = new Map<string, string | undefined>();
  return state.elements.filter((e) => {
    const family = e.family ?? "inet";
    const where = `${family} ${e.set}`;
    if (!listings.has(where)) listings.set(where, nftList(["set", family, TABLE, e.set]) ?? nftList(["map", family, TABLE, e.set]));
    const text = (listings.get(where) ?? "").replace(/\s+/g, " ");
    return !new RegExp(`[{,] ${escape(renderElement(e))}(?: [,}]|,)`).test(text);
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Repair: after `nft flush ruleset`, a firewall reload or a reboot, put the skeleton, every
 * network's masquerade and policy chains and every owned element back, in one transaction.
 */
export function reapplyAll(ctx: FirewallContext): { networks: string[]; scripts: number; elements: number } {
  const { apply, owners } = parts(ctx);
  const dir = firewallDir(ctx.stateDir);
  using _lock = FileLock.acquire(`${dir}/.lock`);
  let names: string[] = [];
  try {
    names = readdirSync(`${dir}/scripts`).filter((f) => f.endsWith(".json"));
  } catch {
    // No network scripts recorded.
  }
  const scripts: ScriptRecord[] = [];
  for (const f of names) {
    try {
      scripts.push(JSON.parse(readFileSync(`${dir}/scripts/${f}`, "utf8")) as ScriptRecord);
    } catch {
      // A corrupt record names nothing to repair.
    }
  }
  const masquerades = recordedMasquerades(ctx.stateDir);
  // Owners of the iptables backend have their rules put back by it, not as nft elements.
  const elements = owners.allElements(new Set(owners.owners("").filter((o) => owners.owned(o)?.info.backend === "iptables")));
  if (scripts.length + masquerades.length + elements.length === 0) return { networks: [], scripts: 0, elements: 0 };
  const networkScripts = [...masquerades.map(renderMasquerade), ...scripts.map((s) => s.script)];
  apply(renderSkeleton(networkScripts.flatMap(declarationsOf)) + networkScripts.join("") + renderElementChanges(elements, []));
  markSkeletonApplied(ctx.stateDir);
  restampMasquerades(ctx.stateDir, masquerades);
  const boot = bootId();
  for (const s of scripts) writeFileAtomic(`${dir}/scripts/${s.name}.json`, `${JSON.stringify({ ...s, bootId: boot })}\n`, { mode: 0o600 });
  const networks = [...new Set([...masquerades.map((m) => m.network), ...scripts.map((s) => s.network)])].filter((n) => n !== "").sort();
  return { networks, scripts: scripts.length, elements: elements.length };
}

/** The CLI's repair: every recorded rule and element back; returns the networks it names. */
export function reapplyMasquerade(stateDir: string, apply: (script: string) => void = nftApply): string[] {
  return reapplyAll({ stateDir, apply }).networks;
}

/**
 * firewall: a chained plugin that puts a container's network under a traffic policy in berth's
 * nftables table: the reference keys (`backend`, `ingressPolicy` open / same-bridge / isolated,
 * `iptablesAdminChainName`, `firewalldZone`) and Docker's network options `icc` (containers of
 * the network may talk to each other, default true) and `internal` (no traffic to or from
 * anything outside the network, published ports excepted).
 *
 * Where berth differs from the reference: the policy is one small chain pair per network,
 * entered through verdict maps keyed by the network's host-side interface (elements, owned per
 * attachment), so nothing grows per container and DEL removes what it owned — the reference
 * never removes its isolation chains. The default ingressPolicy is `same-bridge`: networks are
 * isolated from each other as Docker's are; `"ingressPolicy": "open"` restores the reference's.
 * `isolated` also turns icc off.
 */
import { existsSync, readFileSync } from "node:fs";
import { cniError, CniErrorCode, type NetConf, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import { sysctlSet } from "../lib/sysctl/index.ts";
import { stateDirOf } from "./common/attachment.ts";
import { CHECK_FAILED } from "./netns-handle.ts";

interface FirewallConfig {
  name: string;
  backend: string | undefined;
  stateDir: string;
  ingressPolicy: "open" | "same-bridge" | "isolated";
  icc: boolean;
  internal: boolean;
}

type Ctx = PluginContext<FirewallConfig>;

const ownerOf = (network: string, containerId: string | undefined, ifname: string | undefined) => `firewall/${network}/${containerId}/${ifname}`;
const firewall = () => import("../lib/firewall/index.ts");

async function backendFor(ctx: Ctx) {
  const fw = await firewall();
  try {
    const { backend, reason } = await fw.chooseBackend(ctx.conf.backend);
    ctx.log.debug({ backend: backend.name, reason }, "firewall backend chosen");
    return { fw, backend };
  } catch (err) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "No usable firewall backend", (err as Error).message, { cause: err });
  }
}
const invalid = (msg: string, details: string) => cniError(CniErrorCode.INVALID_CONFIG, msg, details);

function parseFirewallConfig(raw: NetConf): FirewallConfig {
  const backend = raw.backend;
  if (backend === "firewalld") {
    throw invalid('unsupported backend "firewalld"', 'berth enforces the policy in its own nftables table, which firewalld does not flush; use "nftables" or "iptables", or leave backend out');
  }
  if (backend !== undefined && backend !== "" && backend !== "nftables" && backend !== "iptables") {
    throw invalid(`invalid backend ${JSON.stringify(backend)}`, 'choose "nftables" or "iptables", or leave it out for the default');
  }
  const policy = raw.ingressPolicy ?? "same-bridge";
  if (policy !== "open" && policy !== "same-bridge" && policy !== "isolated") {
    throw invalid(`invalid ingressPolicy ${JSON.stringify(policy)}`, 'choose "open", "same-bridge" or "isolated"');
  }
  const flag = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true"; // Docker's -o icc=false arrives as a string
    throw invalid(`invalid ${key}`, `${key} must be true or false, got ${JSON.stringify(v)}`);
  };
  return { name: raw.name, backend: typeof backend === "string" && backend !== "" ? backend : undefined, stateDir: stateDirOf(raw), ingressPolicy: policy, icc: policy !== "isolated" && flag("icc", true), internal: flag("internal", false) };
}

/** The network's host-side interface: the bridge (or a ptp host veth) from the prevResult. */
function hostInterface(prev: Result): string | undefined {
  return (prev.interfaces ?? []).find((i) => i.sandbox === undefined || i.sandbox === "")?.name;
}

/** icc=false acts on bridged frames only when the bridge hands them to the IP hooks (br_netfilter). */
function needBridgeNetfilter(): void {
  for (const family of ["iptables", "ip6tables"]) {
    const path = `/proc/sys/net/bridge/bridge-nf-call-${family}`;
    if (!existsSync(path)) throw cniError(CniErrorCode.INVALID_CONFIG, "icc=false needs the br_netfilter kernel module", "load it (modprobe br_netfilter) so traffic between containers of a bridge passes the firewall");
    if (readFileSync(path, "utf8").trim() !== "1") sysctlSet(`net.bridge.bridge-nf-call-${family}`, 1);
  }
}

export const plugin: Plugin<FirewallConfig> = {
  name: "firewall",
  parseConfig: parseFirewallConfig,

  async add(ctx: Ctx) {
    const { conf, env } = ctx;
    const prev: Result = ctx.prevResult ?? { cniVersion: ctx.cniVersion };
    const iface = hostInterface(prev);
    if (iface === undefined) {
      ctx.log.info("no host-side interface in the prevResult: nothing to police");
      return { ...prev, cniVersion: ctx.cniVersion };
    }
    if (!conf.icc) needBridgeNetfilter();
    const { backend } = await backendFor(ctx);
    const policy = { network: conf.name, icc: conf.icc, internal: conf.internal, isolate: conf.ingressPolicy !== "open" };
    try {
      backend.applyPolicy(ownerOf(conf.name, env.containerId, env.ifname), { network: conf.name, container: env.containerId ?? "", ifname: env.ifname ?? "" }, policy, iface, { stateDir: conf.stateDir });
    } catch (err) {
      throw cniError(CniErrorCode.INTERNAL, `Cannot apply the firewall policy of network "${conf.name}"`, (err as Error).message, { cause: err });
    }
    ctx.log.info({ iface, ...policy }, "network policy applied");
    return { ...prev, cniVersion: ctx.cniVersion };
  },

  async del(ctx: Ctx) {
    const { backend } = await backendFor(ctx);
    backend.releasePolicy(ownerOf(ctx.conf.name, ctx.env.containerId, ctx.env.ifname), ctx.conf.name, `firewall/${ctx.conf.name}/`, { stateDir: ctx.conf.stateDir });
  },

  async check(ctx: Ctx) {
    const { fw, backend } = await backendFor(ctx);
    const owner = ownerOf(ctx.conf.name, ctx.env.containerId, ctx.env.ifname);
    const fwCtx = { stateDir: ctx.conf.stateDir };
    if (hostInterface(ctx.prevResult ?? { cniVersion: ctx.cniVersion }) === undefined) return;
    if (fw.ownedBy(owner, fwCtx) === undefined) throw cniError(CHECK_FAILED, `No firewall policy recorded for container ${ctx.env.containerId}`, `network "${ctx.conf.name}"`);
    const missing = backend.missing(owner, fwCtx);
    if (missing.length > 0) throw cniError(CHECK_FAILED, `The firewall policy of network "${ctx.conf.name}" is incomplete`, missing.join("; "));
  },

  async gc(ctx) {
    const valid = ctx.validAttachments;
    if (valid === undefined) return;
    const { fw, backend } = await backendFor(ctx);
    const keep = new Set(valid.map((a) => ownerOf(ctx.conf.name, a.containerID, a.ifname)));
    for (const owner of new fw.ElementOwnership(ctx.conf.stateDir).owners(`firewall/${ctx.conf.name}/`)) {
      if (!keep.has(owner)) backend.releasePolicy(owner, ctx.conf.name, `firewall/${ctx.conf.name}/`, { stateDir: ctx.conf.stateDir });
    }
  },

  status() {},
};

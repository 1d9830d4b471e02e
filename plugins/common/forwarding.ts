/**
 * The host side of routing a network out: IP forwarding in the plugin's (host) namespace, per
 * family (turned on, never reverted), and the network's outbound masquerade (ipMasq).
 */
import { cniError, type Logger, type ResultIp } from "../../lib/cni/index.ts";
import type { NetlinkHandle } from "../../lib/netlink/index.ts";
import { sysctlSet } from "../../lib/sysctl/index.ts";

export function enableForwarding(host: NetlinkHandle, families: Iterable<4 | 6>): void {
  for (const family of families) {
    if (family === 4) sysctlSet("net.ipv4.ip_forward", 1, host.netns);
    else sysctlSet("net.ipv6.conf.all.forwarding", 1, host.netns);
  }
}

/** The firewall backend of `ipMasqBackend` (absent: nftables when nft is installed, else iptables). */
async function masqueradeBackend(backend: string | undefined, errorCode: number) {
  const fw = await import("../../lib/firewall/index.ts");
  try {
    return (await fw.chooseBackend(backend)).backend;
  } catch (err) {
    throw cniError(errorCode, "No usable firewall backend for ipMasq", (err as Error).message, { cause: err });
  }
}

/**
 * ipMasq: the network's masquerade, applied once per network (later ADDs only read a file).
 * lib/firewall is loaded only here: it pulls in node:child_process, ~10 ms of start-up that a
 * network without ipMasq must not pay.
 */
export async function masqueradeNetwork(network: string, ips: ResultIp[], stateDir: string, errorCode: number, log: Logger, backend?: string): Promise<void> {
  const fw = await masqueradeBackend(backend, errorCode);
  try {
    if (fw.ensureMasquerade({ network, subnets: ips.map((ip) => ip.address) }, stateDir)) log.info({ network, backend: fw.name }, "masquerade rules applied");
  } catch (err) {
    throw cniError(errorCode, `Cannot masquerade network "${network}"`, (err as Error).message, { cause: err });
  }
}

/** CHECK of ipMasq: a problem in words when the network's masquerade rules are missing, else undefined. */
export async function masqueradeProblem(network: string, ips: ResultIp[], stateDir: string, errorCode: number, backend?: string): Promise<string | undefined> {
  const fw = await masqueradeBackend(backend, errorCode);
  if (fw.masqueradePresent({ network, subnets: ips.map((ip) => ip.address) }, stateDir)) return undefined;
  return `the masquerade rules of network "${network}" are missing from the ${fw.name === "nftables" ? "nftables table inet berth" : "iptables nat table"}`;
}

/**
 * After a DEL: when no attachment of the network is left (`stillUsed`, asked under the firewall
 * lock), its masquerade goes too, so a host without containers is back to the bare firewall.
 * Only networks that masquerade load lib/firewall here.
 */
export async function releaseMasqueradeIfUnused(network: string, stateDir: string, stillUsed: () => boolean, log: Logger, backend?: string): Promise<void> {
  try {
    const fw = await masqueradeBackend(backend, 999);
    if (fw.removeMasquerade?.(network, stateDir, stillUsed)) log.info({ network }, "the network's last attachment is gone: masquerade removed");
  } catch (err) {
    log.warn({ network, err: (err as Error).message }, "could not remove the masquerade of a network without attachments");
  }
}

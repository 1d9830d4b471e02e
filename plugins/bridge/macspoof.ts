/**
 * macspoofchk for the bridge: the container's port may only send frames from the container's
 * MAC (a rule in berth's layer-2 nftables table, the port and MAC as owned set elements).
 * lib/firewall is loaded only by networks that ask for the check.
 */
import type { AttachmentKey } from "../../lib/store/index.ts";

const ownerOf = (key: AttachmentKey) => `macspoofchk/${key.network}/${key.containerId}/${key.ifname}`;
const firewall = () => import("../../lib/firewall/index.ts");

export async function enableMacSpoofCheck(stateDir: string, key: AttachmentKey, port: string, mac: string): Promise<void> {
  (await firewall()).protectMac(ownerOf(key), { network: key.network, container: key.containerId, ifname: key.ifname }, port, mac, { stateDir });
}

export async function disableMacSpoofCheck(stateDir: string, key: AttachmentKey): Promise<void> {
  (await firewall()).release(ownerOf(key), { stateDir });
}

/** What CHECK finds missing of the attachment's check, in words. */
export async function macSpoofProblems(stateDir: string, key: AttachmentKey): Promise<string[]> {
  const fw = await firewall();
  if (fw.ownedBy(ownerOf(key), { stateDir }) === undefined) return ["the MAC spoof check is not recorded"];
  return fw.missingElements(ownerOf(key), { stateDir }).map((e) => `MAC spoof check element ${e.set} { ${fw.renderElement(e)} } is missing`);
}

/** GC: drop the checks of attachments of `network` that are not in `valid`. */
export async function collectStaleMacSpoof(stateDir: string, network: string, valid: { containerID: string; ifname: string }[]): Promise<void> {
  const fw = await firewall();
  const keep = new Set(valid.map((a) => ownerOf({ network, containerId: a.containerID, ifname: a.ifname })));
  for (const owner of new fw.ElementOwnership(stateDir).owners(`macspoofchk/${network}/`)) if (!keep.has(owner)) fw.release(owner, { stateDir });
}

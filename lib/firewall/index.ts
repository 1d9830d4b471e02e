/** lib/firewall — berth's rules on the host firewall: one interface (backend.ts), nftables by default, iptables where nft is missing. */
export { FirewallError, PortConflictError } from "./errors.ts";
export { TABLE, SKELETON_RULES, renderSkeleton, ensureSkeleton } from "./skeleton.ts";
export { ensureMasquerade, masqueradeChain, masqueradeChains, masqueradePresent, removeMasquerade, renderMasquerade, type MasqueradeRequest } from "./masquerade.ts";
export { renderChainsScript, renderRemovalScript, type NetworkChains } from "./nft/network-chains.ts";
export { applyChains, chainExists, chainsChanges, chainsPresent, removalChanges, removeChains } from "./nft/netlink-chains.ts";
export { nftApply, nftList } from "./nft/exec.ts";
export { NftScriptWriter, renderElementChanges } from "./nft/script-writer.ts";
export type { NftElement, NftField, NftVerdict } from "./nft/values.ts";
export { renderElement, elementId } from "./nft/values.ts";
export { ElementOwnership, describePort, type ElementWriter, type OwnedState, type PortClaim } from "./ownership.ts";
export { portState, validateMapping, type PortMapping, type PortProtocol, type PublishRequest } from "./portmap.ts";
export { policyChains, policyElements, policyNames, policyObjects, renderPolicy, type NetworkPolicy } from "./policy.ts";
export { allowLinks, applyOwned, applyPolicy, ensureNetworkChains, ensureScript, type LinkAllowance, missingElements, ownedBy, publishPorts, reapplyAll, reapplyMasquerade, release, releasePolicy, type FirewallContext } from "./firewall.ts";
export { chooseBackend, nftInstalled, nftUsable, nftablesBackend, registerBackend, type BackendName, type FirewallBackend } from "./backend.ts";
export { protectMac, renderMacSpoofTable } from "./macspoof.ts";

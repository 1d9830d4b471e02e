/** lib/firewall — berth's rules on the host firewall (nftables; the iptables backend comes later). */
export { FirewallError, TABLE, ensureMasquerade, masqueradeChain, masqueradePresent, nftApply, reapplyMasquerade, renderMasquerade, type MasqueradeRequest } from "./masquerade.ts";

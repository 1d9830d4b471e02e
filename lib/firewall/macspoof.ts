/**
 * The bridge's `macspoofchk`: frames a container sends into the bridge must carry its own MAC.
 * One rule in berth's layer-2 table (`bridge berth`, prerouting at priority -300) looks the
 * ingress port and the source MAC up in sets: ports under the check, and the (port, MAC) pairs
 * allowed. Each attachment owns its two elements, so rules never grow with containers.
 */
import { applyOwned, ensureScript, type FirewallContext } from "./firewall.ts";
import type { OwnedState } from "./ownership.ts";
import { TABLE, applyWithSkeleton } from "./skeleton.ts";

export function renderMacSpoofTable(): string {
  return [
    `table bridge ${TABLE} {`,
    "  set mac_ports { type ifname; }",
    "  set mac_ok { type ifname . ether_addr; }",
    "  chain prerouting { type filter hook prerouting priority -300; policy accept; }",
    "}",
    `flush chain bridge ${TABLE} prerouting`,
    `add rule bridge ${TABLE} prerouting iifname @mac_ports iifname . ether saddr != @mac_ok drop`,
    "",
  ].join("\n");
}

/** Only `mac` may leave the container through bridge port `port`. */
export function protectMac(owner: string, info: Record<string, string>, port: string, mac: string, ctx: FirewallContext): OwnedState {
  return applyOwned(owner, ctx, (apply) => {
    const script = renderMacSpoofTable();
    ensureScript(ctx.stateDir, "", "macspoof", script, () => applyWithSkeleton(ctx.stateDir, script, apply));
    return {
      info,
      ports: [],
      elements: [
        { family: "bridge", set: "mac_ports", key: [{ type: "ifname", value: port }] },
        { family: "bridge", set: "mac_ok", key: [{ type: "ifname", value: port }, { type: "ether_addr", value: mac.toLowerCase() }] },
      ],
    };
  });
}

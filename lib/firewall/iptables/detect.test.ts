import { describe, expect, it } from "vitest";
import { type DetectProbe, detectIptables, iptablesInstalled } from "./detect.ts";

function probe(installed: string[], outputs: Record<string, string | undefined>): DetectProbe {
  return { has: (c) => installed.includes(c), output: (c, args) => outputs[[c, ...args].join(" ")] };
}

const both = ["iptables-legacy-save", "iptables-legacy-restore", "iptables-nft-save", "iptables-nft-restore"];
const rules = (n: number) => `*filter\n:INPUT ACCEPT [0:0]\n${"-A INPUT -j ACCEPT\n".repeat(n)}COMMIT\n`;

describe("detectIptables", () => {
  it("with both flavours, the one whose save output holds more rules; a tie goes to nft", () => {
    expect(detectIptables(probe(both, { "iptables-legacy-save": rules(3), "iptables-nft-save": rules(1), "ip6tables-nft-save": rules(1) }))).toMatchObject({ available: true, mode: "legacy", restore: "iptables-legacy-restore", save: "iptables-legacy-save" });
    expect(detectIptables(probe(both, { "iptables-legacy-save": rules(2), "iptables-nft-save": rules(1), "ip6tables-nft-save": rules(1) })).mode).toBe("nft");
    expect(detectIptables(probe(both, { "iptables-legacy-save": "", "iptables-nft-save": "" })).mode).toBe("nft");
  });

  it("kubelet's hint chains decide first", () => {
    const hint = "*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n";
    expect(detectIptables(probe(both, { "iptables-legacy-save": `${rules(9)}${hint}`, "iptables-nft-save": "" })).mode).toBe("legacy");
    expect(detectIptables(probe(both, { "iptables-legacy-save": rules(9), "ip6tables-nft-save -t mangle": hint })).mode).toBe("nft");
  });

  it("one flavour installed, or only the plain names; none says what to install", () => {
    expect(detectIptables(probe(["iptables-legacy-save", "iptables-legacy-restore"], {})).mode).toBe("legacy");
    expect(detectIptables(probe(["iptables-save", "iptables-restore"], { "iptables --version": "iptables v1.8.9 (nf_tables)\n" }))).toMatchObject({ mode: "nft", restore: "iptables-restore" });
    const none = detectIptables(probe([], {}));
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/install iptables/);
    expect(iptablesInstalled(probe([], {}))).toBe(false);
  });
});

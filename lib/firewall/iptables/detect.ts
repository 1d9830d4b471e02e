/**
 * Which iptables to speak: iptables 1.8 ships two flavours, "legacy" (the kernel's x_tables) and
 * "nft" (the same commands over nf_tables), and rules of one are invisible to the other. berth
 * chooses the way the common iptables wrapper for containers does: the flavour kubelet's hint
 * chains are in, else the flavour whose save output holds more rules (ties go to nft). The
 * answer is kept per boot in the state directory, so a plugin call runs no probe once it is known.
 */
import { existsSync, readFileSync } from "node:fs";
import { bootId, writeFileAtomic } from "../../store/index.ts";
import { childProcess } from "../nft/exec.ts";
import { firewallDir } from "../skeleton.ts";

export interface IptablesDetection {
  available: boolean;
  mode?: "legacy" | "nft";
  /** The IPv4 restore and save commands (IPv6: the same names with ip6tables). */
  restore?: string;
  save?: string;
  reason: string;
}

/** How detection looks at the host (tests give a fake). */
export interface DetectProbe {
  /** Whether a command is on PATH. */
  has(command: string): boolean;
  /** A command's stdout, or undefined when it cannot run or fails. */
  output(command: string, args: string[]): string | undefined;
}

function pathDirs(): string[] {
  return (process.env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":").filter((d) => d !== "");
}

export const systemProbe: DetectProbe = {
  has: (command) => pathDirs().some((d) => existsSync(`${d}/${command}`)),
  output: (command, args) => {
    const out = childProcess().spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
    return out.error === undefined && out.status === 0 ? out.stdout : undefined;
  },
};

/** Whether some iptables-restore is installed (a file check: for choosing a backend). */
export function iptablesInstalled(probe: DetectProbe = systemProbe): boolean {
  return ["iptables-restore", "iptables-legacy-restore", "iptables-nft-restore"].some((c) => probe.has(c));
}

const HINT = /^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)\b/m;

function ruleLines(text: string | undefined): number {
  return (text ?? "").split("\n").filter((l) => l.startsWith("-")).length;
}

function tools(mode: "legacy" | "nft", reason: string): IptablesDetection {
  return { available: true, mode, restore: `iptables-${mode}-restore`, save: `iptables-${mode}-save`, reason };
}

/**
 * Detect the flavour. Reads rules with both flavours' save commands when both are installed
 * (never `iptables-legacy-save -t mangle`: that would create the legacy table).
 */
export function detectIptables(probe: DetectProbe = systemProbe): IptablesDetection {
  const installed = (mode: string) => probe.has(`iptables-${mode}-restore`) && probe.has(`iptables-${mode}-save`);
  const legacy = installed("legacy");
  const nft = installed("nft");
  if (legacy && nft) {
    const both = (mode: string, args: string[]) => [probe.output(`iptables-${mode}-save`, args), probe.output(`ip6tables-${mode}-save`, args)];
    if (both("nft", ["-t", "mangle"]).some((t) => t !== undefined && HINT.test(t))) return tools("nft", "kubelet's hint chains are in the nft tables");
    const legacySaved = both("legacy", []);
    if (legacySaved.some((t) => t !== undefined && HINT.test(t))) return tools("legacy", "kubelet's hint chains are in the legacy tables");
    const nftSaved = both("nft", []);
    const works = (saved: (string | undefined)[]) => saved[0] !== undefined;
    if (!works(nftSaved) && works(legacySaved)) return tools("legacy", "iptables-nft-save fails here while iptables-legacy-save works");
    const counts = { legacy: legacySaved.reduce((n, t) => n + ruleLines(t), 0), nft: nftSaved.reduce((n, t) => n + ruleLines(t), 0) };
    if (counts.legacy > counts.nft) return tools("legacy", `the legacy tables hold more rules (${counts.legacy} against ${counts.nft})`);
    return tools("nft", `the nft tables hold as many rules or more (${counts.nft} against ${counts.legacy} legacy)`);
  }
  if (legacy) return tools("legacy", "only iptables-legacy is installed");
  if (nft) return tools("nft", "only iptables-nft is installed");
  if (probe.has("iptables-restore") && probe.has("iptables-save")) {
    // An iptables without the flavoured names: 1.8 says which it is; older ones are legacy.
    const version = probe.output("iptables", ["--version"]) ?? "";
    const mode = /nf_tables/.test(version) ? "nft" : "legacy";
    return { available: true, mode, restore: "iptables-restore", save: "iptables-save", reason: `iptables-restore is the only one installed (${version.trim() || "version unknown"})` };
  }
  return { available: false, reason: "no iptables-restore is installed: install iptables (apt-get install iptables)" };
}

/** The IPv6 twin of an IPv4 command name. */
export function ipv6Command(command: string): string {
  return command.replace(/^iptables/, "ip6tables");
}

interface DetectionRecord extends IptablesDetection {
  bootId: string;
}

/** detectIptables, remembered for this boot in `<stateDir>/.firewall/iptables/flavour.json`. */
export function detectedFor(stateDir: string, probe: DetectProbe = systemProbe): IptablesDetection {
  const file = `${firewallDir(stateDir)}/iptables/flavour.json`;
  const boot = bootId();
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as DetectionRecord;
    if (r.bootId === boot && r.available) return r;
  } catch {
    // Not detected in this boot yet.
  }
  const found = detectIptables(probe);
  if (found.available) writeFileAtomic(file, `${JSON.stringify({ ...found, bootId: boot })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
  return found;
}

/**
 * Platforms ("os/arch[/variant]") and the choice of one manifest from an index, as docker does:
 * os and architecture must match; the variant must match when asked for, with arm64's implied
 * "v8" and arm's default "v7" (an entry without a variant counts as the default one).
 */
import type { Descriptor, Platform } from "./manifest.ts";

const ARCH_ALIASES: Record<string, Platform["architecture"]> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
};
const IMPLIED_VARIANT: Record<string, string> = { armhf: "v7", armel: "v6" };
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7" };

export class PlatformError extends Error {
  readonly platform: string;
  constructor(platform: string, message: string) {
    super(message);
    this.name = "PlatformError";
    this.platform = platform;
  }
}

/** "linux/arm64/v8" → { os, architecture, variant }; architecture aliases are normalised. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split("/");
  const [os, arch, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !arch || (parts.length === 3 && !variant)) {
    throw new PlatformError(text, `invalid platform ${JSON.stringify(text)}: expected os/arch or os/arch/variant, e.g. linux/amd64`);
  }
  const architecture = ARCH_ALIASES[arch] ?? arch;
  const v = variant ?? IMPLIED_VARIANT[arch];
  return { os, architecture, ...(v !== undefined ? { variant: v } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** The platform of this machine (linux/amd64 on the machines berth targets). */
export function hostPlatform(): Platform {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  return { os: "linux", architecture: arch };
}

function variantOf(p: Platform): string | undefined {
  return p.variant || DEFAULT_VARIANT[p.architecture];
}

/**
 * The index entry for `want`. Entries without a platform (or "unknown/unknown", which build
 * tools use for attestations) never match. Throws a PlatformError listing what the index has.
 */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform): Descriptor {
  const candidates = manifests.filter(
    (m) => m.platform !== undefined && m.platform.os === want.os && (ARCH_ALIASES[m.platform.architecture] ?? m.platform.architecture) === want.architecture,
  );
  const wanted = variantOf(want);
  const exact = candidates.find((m) => variantOf(m.platform as Platform) === wanted);
  // Without a variant asked for (and none implied), the first entry of the architecture will do.
  const chosen = exact ?? (want.variant === undefined && wanted === undefined ? candidates[0] : undefined);
  if (chosen !== undefined) return chosen;
  const available = manifests
    .filter((m) => m.platform !== undefined && m.platform.os !== "unknown")
    .map((m) => formatPlatform(m.platform as Platform));
  throw new PlatformError(
    formatPlatform(want),
    `no image for platform ${formatPlatform(want)}: the index has ${available.length > 0 ? available.join(", ") : "no platform entries"}`,
  );
}

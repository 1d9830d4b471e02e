/** The platform (os/architecture[/variant]) of this machine in OCI terms, and matching descriptors against it. */
import type { Platform } from "./manifest.ts";

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64", mips64el: "mips64le" };

export function hostPlatform(): Platform {
  return { os: "linux", architecture: ARCH[process.arch] ?? process.arch };
}

/** Parse "os/arch[/variant]" (as --platform takes it). */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split("/");
  if (os === undefined || os === "" || architecture === undefined || architecture === "" || extra !== undefined) {
    throw new TypeError(`invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/amd64`);
  }
  return { os, architecture, ...(variant !== undefined && variant !== "" ? { variant } : {}) };
}

/** Whether a descriptor's platform fits the wanted one (a variant is compared only when both name one). */
export function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  return have.variant === undefined || want.variant === undefined || have.variant === want.variant;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

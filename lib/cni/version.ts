/**
 * CNI spec versions: what berth speaks, comparison, the checks every verb needs, and the VERSION
 * answer. runtime/main.ts imports this file directly to answer VERSION without loading the rest
 * of the plugin, so it must stay small.
 */
import { CniErrorCode, cniError } from "./errors.ts";
import type { Command, VersionResult } from "./types.ts";

/** Every version berth can emit, as exact strings: runtimes match them verbatim. */
export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export const CURRENT_VERSION = "1.1.0";

/** Semantic Versioning 2.0 (what the spec says `cniVersion` is). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** [major, minor, patch], or undefined for a string that is not a semantic version. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = SEMVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** -1, 0 or 1 by major, minor, patch; unparseable versions sort lowest. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [-1, -1, -1];
  const pb = parseVersion(b) ?? [-1, -1, -1];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function atLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

/** True for 1.x results (no ips[].version), false for 0.3.x/0.4.0. */
export function isV1(version: string): boolean {
  return atLeast(version, "1.0.0");
}

export function isSupportedVersion(version: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/** The VERSION answer: echo a well-formed requested version, else the newest. Never fails. */
export function versionInfo(requested?: unknown): VersionResult {
  const echo = typeof requested === "string" && parseVersion(requested) !== undefined ? requested : CURRENT_VERSION;
  return { cniVersion: echo, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** The VERSION reply for whatever was on stdin (nothing, an object, or garbage). */
export function versionReply(stdin: Uint8Array | undefined): string {
  let requested: unknown;
  try {
    if (stdin !== undefined && stdin.length > 0) {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(stdin));
      if (typeof parsed === "object" && parsed !== null) requested = (parsed as { cniVersion?: unknown }).cniVersion;
    }
  } catch {
    requested = undefined;
  }
  return JSON.stringify(versionInfo(requested));
}

/** Code 1 unless berth supports `version` exactly ("1.1" does not match "1.1.0"). */
export function assertSupported(version: string): void {
  if (!isSupportedVersion(version)) {
    throw cniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      "incompatible CNI versions",
      `config is ${JSON.stringify(version)}, plugin supports [${SUPPORTED_VERSIONS.map((v) => JSON.stringify(v)).join(" ")}]`,
    );
  }
}

const MIN_VERSION: Partial<Record<Command, string>> = { CHECK: "0.4.0", GC: "1.1.0", STATUS: "1.1.0" };

/** Code 1 when the verb is newer than the config's version (CHECK 0.4.0, GC and STATUS 1.1.0). */
export function assertVerbAllowed(command: Command, version: string): void {
  const min = MIN_VERSION[command];
  if (min !== undefined && !atLeast(version, min)) {
    throw cniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      `config version does not allow ${command}`,
      `${command} needs cniVersion ${min} or later, the config has ${JSON.stringify(version)}`,
    );
  }
}

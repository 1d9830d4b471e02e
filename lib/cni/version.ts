/** CNI spec versions: what berth speaks, semver comparison, and the VERSION answer. */
import { CniErrorCode, cniError } from "./errors.ts";

/** Every version berth can emit, as exact strings (runtimes match them verbatim). */
export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export const CURRENT_VERSION = "1.1.0";

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

export function parseVersion(v: string): [number, number, number] | undefined {
  const m = SEMVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** -1, 0 or 1; unparseable versions sort lowest. */
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

/** The VERSION answer: echo a well-formed input version, else the newest (never fails). */
export function versionInfo(requested: unknown): { cniVersion: string; supportedVersions: string[] } {
  const echo = typeof requested === "string" && parseVersion(requested) !== undefined ? requested : CURRENT_VERSION;
  return { cniVersion: echo, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** Code 1 unless `version` is one berth supports exactly. */
export function assertSupported(version: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw cniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      "incompatible CNI versions",
      `config is "${version}", plugin supports [${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(" ")}]`,
    );
  }
}

/** Code 1 when the verb is newer than the config's version (CHECK ≥ 0.4.0, GC/STATUS ≥ 1.1.0). */
export function assertVerbAllowed(command: string, version: string): void {
  const min = command === "CHECK" ? "0.4.0" : command === "GC" || command === "STATUS" ? "1.1.0" : undefined;
  if (min !== undefined && !atLeast(version, min)) {
    throw cniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      `config version does not allow ${command}`,
      `${command} needs cniVersion ${min} or newer, the config has "${version}"`,
    );
  }
}

/** The VERSION reply for the bytes on stdin (any content, even none or garbage, is fine). */
export function versionReply(stdin: Uint8Array | undefined): string {
  let requested: unknown;
  try {
    requested = stdin && stdin.length > 0 ? (JSON.parse(Buffer.from(stdin).toString("utf8")) as { cniVersion?: unknown }).cniVersion : undefined;
  } catch {
    requested = undefined;
  }
  return JSON.stringify(versionInfo(requested));
}

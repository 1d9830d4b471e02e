/**
 * Content digests. berth stores and verifies sha256 only (what docker, podman and registries use
 * for images); other algorithms are refused with an error naming the digest.
 */
import { createHash } from "node:crypto";

const SHA256_RE = /^sha256:[0-9a-f]{64}$/;

export class InvalidDigestError extends TypeError {
  readonly digest: string;
  constructor(digest: string, what = "digest") {
    super(`invalid ${what} ${JSON.stringify(digest)}: expected sha256: and 64 lower-case hexadecimal digits`);
    this.name = "InvalidDigestError";
    this.digest = digest;
  }
}

export function isDigest(value: unknown): value is string {
  return typeof value === "string" && SHA256_RE.test(value);
}

/** The digest itself when valid, else an InvalidDigestError naming it. */
export function checkDigest(value: unknown, what?: string): string {
  if (!isDigest(value)) throw new InvalidDigestError(String(value), what);
  return value;
}

/** "sha256:<hex>" → "<hex>" */
export function hexOf(digest: string): string {
  return checkDigest(digest).slice("sha256:".length);
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The first 12 hex digits, as docker shows an ID. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

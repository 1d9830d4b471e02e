/**
 * CNI errors: the spec's well-known codes, an error class that carries one, and the error JSON
 * a plugin prints on stdout (codes 0-99 are reserved by the spec, 100 and up are plugin-specific).
 *
 * Messages that libcni or the Go skel define (e.g. "required env variables [...] missing") are
 * kept word for word, so a runtime's logs read the same whichever plugin failed.
 */
import type { ErrorJson } from "./types.ts";

export const CniErrorCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO: 5,
  DECODE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN: 11,
  /** STATUS: the plugin cannot serve ADD. */
  NOT_AVAILABLE: 50,
  /** STATUS: cannot serve ADD, and existing containers may have reduced connectivity. */
  NOT_AVAILABLE_DEGRADED: 51,
  /** What the Go skel reports for errors without a code. */
  INTERNAL: 999,
} as const;

/** An error with a CNI code: what a plugin reports to the runtime. */
export class CniError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(details ? `${msg}: ${details}` : msg, options);
    this.name = "CniError";
    this.code = code;
    this.msg = msg;
    this.details = details;
  }
}

export function cniError(code: number, msg: string, details?: string, options?: { cause?: unknown }): CniError {
  return new CniError(code, msg, details, options);
}

export function isCniError(err: unknown): err is CniError {
  return err instanceof CniError;
}

/** The messages of an error and its causes, joined with ": " (repeats left out). */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    const text = cur instanceof Error ? cur.message : String(cur);
    if (text !== "" && !parts.some((p) => p.includes(text))) parts.push(text);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(": ");
}

/** A numeric `code` that is a CNI code (errno-style errors carry strings such as "ENOENT"). */
function carriedCode(err: Error): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" && Number.isInteger(code) && code > 0 ? code : undefined;
}

/**
 * The error JSON for any thrown value. A CniError keeps its code, msg and details; another Error
 * that carries an integer CNI `code` (IPAM errors do) keeps that code; anything else is 999 with
 * the message as msg and the whole cause chain as details. All four keys are always present.
 */
export function toErrorJson(err: unknown, cniVersion: string): ErrorJson {
  if (err instanceof CniError) {
    const details = err.details ?? (err.cause !== undefined ? causeChain(err.cause) : "");
    return { cniVersion, code: err.code, msg: err.msg, details };
  }
  if (err instanceof Error) {
    const code = carriedCode(err) ?? CniErrorCode.INTERNAL;
    return { cniVersion, code, msg: err.message, details: causeChain(err) };
  }
  const text = String(err);
  return { cniVersion, code: CniErrorCode.INTERNAL, msg: text, details: text };
}

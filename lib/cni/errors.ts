/**
 * CNI errors: the spec's well-known codes, an error class that carries one, and the error JSON
 * a plugin prints on stdout (SPEC "Error"; codes 0-99 reserved, 100+ plugin-specific).
 */

export const CniErrorCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO: 5,
  DECODE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN: 11,
  NOT_AVAILABLE: 50,
  NOT_AVAILABLE_DEGRADED: 51,
  INTERNAL: 999,
} as const;

export interface ErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** An error with a CNI code: what a plugin returns to the runtime. */
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

/** The message chain of an error and its causes, for `details`. */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    const text = cur instanceof Error ? cur.message : String(cur);
    if (!parts.some((p) => p.includes(text))) parts.push(text);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(": ");
}

/**
 * The error JSON for any thrown value: a CniError keeps its code, and so does any error carrying
 * a numeric `code` (e.g. IPAM errors, which carry the CNI code they mean); anything else is 999.
 */
export function toErrorJson(err: unknown, cniVersion: string): ErrorJson {
  if (!(err instanceof CniError) && err instanceof Error && typeof (err as { code?: unknown }).code === "number") {
    const code = (err as unknown as { code: number }).code;
    return toErrorJson(new CniError(code, err.message, undefined, { cause: err.cause }), cniVersion);
  }
  if (err instanceof CniError) {
    const out: ErrorJson = { cniVersion, code: err.code, msg: err.msg };
    const details = err.details ?? (err.cause !== undefined ? causeChain(err.cause) : undefined);
    if (details) out.details = details;
    return out;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const out: ErrorJson = { cniVersion, code: CniErrorCode.INTERNAL, msg };
  const chain = causeChain(err);
  if (chain !== msg) out.details = chain;
  return out;
}

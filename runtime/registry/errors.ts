/**
 * Errors of the registry client. The distribution API answers failures with
 * `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":…}]}`; they become
 * one-line errors naming the code. The command (pull, push, login) wraps whatever failed in a
 * RegistryError that names the image: `pull 127.0.0.1:5000/foo:latest: MANIFEST_UNKNOWN: manifest unknown`.
 */

export interface DistributionError {
  code: string;
  message: string;
}

/** A failed answer from a registry (or its token server). */
export class RegistryResponseError extends Error {
  readonly status: number;
  /** The first error code of the answer ("MANIFEST_UNKNOWN"), or one made from the HTTP status. */
  readonly code: string;
  readonly errors: DistributionError[];
  constructor(status: number, errors: DistributionError[], options?: { cause?: unknown }) {
    super(errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join("; "), options);
    this.name = "RegistryResponseError";
    this.status = status;
    this.errors = errors;
    this.code = errors[0]?.code ?? `HTTP_${status}`;
  }
}

/** What a status means when the body does not say: the distribution spec's codes where they fit. */
function statusError(status: number, statusText: string): DistributionError {
  switch (status) {
    case 401:
      return { code: "UNAUTHORIZED", message: "authentication required" };
    case 403:
      return { code: "DENIED", message: "requested access to the resource is denied" };
    case 404:
      return { code: "NOT_FOUND", message: "not found" };
    case 429:
      return { code: "TOOMANYREQUESTS", message: "too many requests" };
    default:
      return { code: `HTTP_${status}`, message: statusText || "unexpected answer" };
  }
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Decode an error answer's body (JSON errors list, or anything else) into distribution errors. */
export function decodeErrors(status: number, statusText: string, body: string): DistributionError[] {
  try {
    const json = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(json.errors) && json.errors.length > 0) {
      const out: DistributionError[] = [];
      for (const e of json.errors as { code?: unknown; message?: unknown }[]) {
        const fallback = statusError(status, statusText);
        out.push({
          code: typeof e?.code === "string" && e.code !== "" ? e.code : fallback.code,
          message: typeof e?.message === "string" ? oneLine(e.message) : "",
        });
      }
      return out;
    }
  } catch {
    // not JSON: fall through to the status
  }
  return [statusError(status, statusText)];
}

/** Read an error answer (its body is small, or cut at 64 KiB) and decode it. */
export async function responseError(response: { status: number; statusText: string; text(max?: number): Promise<string> }): Promise<RegistryResponseError> {
  let body = "";
  try {
    body = await response.text(65536);
  } catch {
    // the body could not be read: the status still says something
  }
  return new RegistryResponseError(response.status, decodeErrors(response.status, response.statusText, body));
}

/** The error of a whole command: names what was done to which image, keeps the cause. */
export class RegistryError extends Error {
  readonly operation: string;
  readonly image: string;
  /** The distribution error code when the registry sent one ("MANIFEST_UNKNOWN", "UNAUTHORIZED"...). */
  readonly code: string | undefined;
  constructor(operation: string, image: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`${operation} ${image}: ${oneLine(inner, 1000)}`, { cause });
    this.name = "RegistryError";
    this.operation = operation;
    this.image = image;
    this.code = codeOf(cause);
  }
}

/** The distribution error code (or ABORTED) found along an error's cause chain. */
export function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof RegistryResponseError) return e.code;
    if (e instanceof AbortedError) return e.code;
  }
  return undefined;
}

/** A digest or size that does not match what was announced: the content was not stored. */
export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: content does not match its digest ${expected} (got ${actual}); nothing of it was stored`);
    this.name = "DigestMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** The caller aborted the command (options.signal). */
export class AbortedError extends Error {
  readonly code = "ABORTED";
  constructor(options?: { cause?: unknown }) {
    super("aborted", options);
    this.name = "AbortedError";
  }
}

/**
 * Which registries may be spoken to in plain HTTP: HTTPS always, plain HTTP only for loopback
 * addresses (127.0.0.0/8, ::1, localhost) and for registries the user listed as insecure
 * (an option, or BERTH_INSECURE_REGISTRIES="host:port,host"). Every URL berth fetches (registry,
 * redirect target, token realm) goes through checkTransport.
 */

export const INSECURE_ENV = "BERTH_INSECURE_REGISTRIES";

/** The registry docker.io is served from. */
export function apiHost(domain: string): string {
  return domain === "docker.io" || domain === "index.docker.io" ? "registry-1.docker.io" : domain;
}

/** The registries listed in BERTH_INSECURE_REGISTRIES (comma or space separated). */
export function insecureRegistriesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[INSECURE_ENV] ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim().replace(/^https?:\/\//, "").replace(/\/+$/, ""))
    .filter((s) => s !== "");
}

/** Split "host:port", "[::1]:5000", "::1" into a bare host name (no brackets) and a port. */
export function splitHostPort(hostPort: string): { host: string; port: string | undefined } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (bracket) return { host: bracket[1] as string, port: bracket[2] };
  const colons = hostPort.split(":").length - 1;
  if (colons === 1) {
    const [host, port] = hostPort.split(":") as [string, string];
    return { host, port };
  }
  return { host: hostPort, port: undefined };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) && v4[1] === "127";
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(h);
  return mapped !== null && isLoopbackHost(mapped[1] as string);
}

/** True when `hostPort` may be spoken to in plain HTTP. */
export function plainHttpAllowed(hostPort: string, insecure: readonly string[]): boolean {
  const { host } = splitHostPort(hostPort);
  if (isLoopbackHost(host)) return true;
  const lower = hostPort.toLowerCase();
  return insecure.some((entry) => {
    const e = entry.toLowerCase();
    return e === lower || e === host.toLowerCase() || (e.startsWith("[") === false && `[${e}]` === lower);
  });
}

/** A plain-HTTP URL for a registry that is neither loopback nor listed as insecure. */
export class TransportPolicyError extends Error {
  readonly registry: string;
  constructor(registry: string, what: string) {
    super(
      `refusing plain HTTP to ${registry} (${what}): berth speaks HTTPS to registries except on loopback; ` +
        `if this registry is trusted and has no TLS, list it in ${INSECURE_ENV}=${registry}`,
    );
    this.name = "TransportPolicyError";
    this.registry = registry;
  }
}

/** Throws a TransportPolicyError for a URL berth may not fetch. */
export function checkTransport(url: URL, insecure: readonly string[], what = "request"): void {
  if (url.protocol === "https:") return;
  if (url.protocol !== "http:") throw new TypeError(`unsupported URL scheme ${JSON.stringify(url.protocol)} in ${url.origin} (${what})`);
  if (!plainHttpAllowed(url.host, insecure)) throw new TransportPolicyError(url.host, what);
}

/**
 * True for a failed TLS handshake that means the server answered in plain HTTP (what a registry
 * without TLS does), as Node's and Bun's fetch report it.
 */
export function looksLikePlainHttpServer(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || code === "EPROTO") return true;
    if (/wrong version number|packet length too long|http request to an https server|ssl|tls/i.test(e.message)) return true;
  }
  return false;
}

/**
 * A client for one registry for the length of one command: it finds the scheme (HTTPS; for a
 * loopback or insecure registry HTTPS first, then plain HTTP, as docker does), pings `/v2/` once
 * to learn how the registry wants to be authenticated, and sends requests with the right
 * Authorization header, answering a 401 (expired token, new scope) once by re-authenticating.
 */
import { Authorizer, type Credentials } from "./auth.ts";
import { AbortedError, responseError } from "./errors.ts";
import { DEFAULT_TIMEOUT_MS, send, TransportError, type HttpOptions, type HttpResponse } from "./http.ts";
import { apiHost, insecureRegistriesFromEnv, INSECURE_ENV, looksLikePlainHttpServer, plainHttpAllowed } from "./transport.ts";

/** The credentials for a registry ("docker.io", "127.0.0.1:5000"), if any. */
export type CredentialLookup = (registry: string) => Credentials | undefined;

export interface ClientOptions {
  /** Registries that may be spoken to in plain HTTP (default: BERTH_INSECURE_REGISTRIES). Loopback always may. */
  insecureRegistries?: readonly string[];
  /** Per-request timeout, re-armed while bytes move (default 30 s). */
  timeoutMs?: number;
  /** Cancels the command. */
  signal?: AbortSignal;
  /** Where credentials come from (see credentials.ts: authFileCredentials). Anonymous when absent. */
  credentials?: CredentialLookup;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path under the registry ("/v2/foo/manifests/latest") or a URL it gave (an upload location). */
  target: string | URL;
  /** Query parameters added to the target. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array | (() => AsyncIterable<Uint8Array>);
  /** Token scopes the request needs ("repository:foo:pull"). */
  scopes: readonly string[];
}

/** Which scheme answered for a registry, remembered for the process. */
const schemes = new Map<string, "https:" | "http:">();

export class RegistryClient {
  /** The registry as named in references ("docker.io", "127.0.0.1:5000"). */
  readonly registry: string;
  readonly http: HttpOptions;
  readonly auth: Authorizer;
  #base: Promise<URL> | undefined;

  constructor(registry: string, options: ClientOptions = {}) {
    this.registry = registry;
    this.http = {
      insecureRegistries: options.insecureRegistries ?? insecureRegistriesFromEnv(),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal,
    };
    this.auth = new Authorizer(registry, options.credentials?.(registry), this.http);
  }

  /** The registry's base URL, found and pinged once. */
  base(): Promise<URL> {
    this.#base ??= this.#discover();
    this.#base.catch(() => (this.#base = undefined));
    return this.#base;
  }

  async #discover(): Promise<URL> {
    const host = apiHost(this.registry);
    const known = schemes.get(host);
    if (known !== undefined) return this.#ping(new URL(`${known}//${host}/`));
    try {
      return await this.#ping(new URL(`https://${host}/`));
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      if (!plainHttpAllowed(host, this.http.insecureRegistries)) {
        if (looksLikePlainHttpServer(err)) {
          throw new TransportError(
            `${host} does not speak HTTPS (${err.message}); if it is a trusted registry without TLS, list it in ${INSECURE_ENV}=${host}`,
            new URL(`https://${host}/v2/`),
            { cause: err },
          );
        }
        throw err;
      }
      try {
        return await this.#ping(new URL(`http://${host}/`));
      } catch (plainErr) {
        if (plainErr instanceof TransportError) {
          throw new TransportError(`${plainErr.message} (and over HTTPS: ${err.message})`, new URL(`http://${host}/v2/`), { cause: plainErr });
        }
        throw plainErr;
      }
    }
  }

  async #ping(base: URL): Promise<URL> {
    const response = await send({ method: "GET", url: new URL("/v2/", base) }, this.http);
    const challenge = response.headers.get("www-authenticate");
    await response.discard();
    if (response.status === 401) this.auth.learn(challenge);
    else if (response.status !== 200) {
      throw new Error(`${this.registry} is not a registry speaking the distribution API v2 (GET /v2/ answered ${response.status})`);
    }
    schemes.set(base.host, base.protocol as "https:" | "http:");
    return base;
  }

  /** Send a request with authentication; every status but a first 401 is returned to the caller. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const base = await this.base();
    const url = new URL(req.target, base);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    for (let attempt = 0; ; attempt++) {
      if (this.http.signal?.aborted) throw new AbortedError({ cause: this.http.signal.reason });
      const headers: Record<string, string> = { ...req.headers };
      const authorization = await this.auth.header(req.scopes);
      if (authorization !== undefined) headers.authorization = authorization;
      const response = await send({ method: req.method, url, headers, ...(req.body !== undefined ? { body: req.body } : {}) }, this.http);
      if (response.status === 401 && attempt === 0 && replayable && this.auth.learn(response.headers.get("www-authenticate"))) {
        await response.discard();
        this.auth.forget(req.scopes);
        continue;
      }
      return response;
    }
  }

  /** Throw the registry's error unless the answer's status is one of `ok`. */
  async expect(response: HttpResponse, ...ok: number[]): Promise<HttpResponse> {
    if (ok.includes(response.status)) return response;
    throw await responseError(response);
  }
}

/**
 * Answering a registry's challenge. Anonymous until the registry asks; then for
 * `Bearer realm=…,service=…` a token is fetched from the realm for the scopes of the request
 * (`repository:foo:pull`, `…:pull,push`), with the user's credentials as Basic auth when known,
 * and cached per scope set for the rest of the command; for `Basic` the credentials are sent.
 * Credentials never appear in errors.
 */
import { pickChallenge, parseChallenges, type Challenge } from "./challenge.ts";
import { RegistryResponseError, responseError } from "./errors.ts";
import { send, type HttpOptions } from "./http.ts";

export interface Credentials {
  username: string;
  password: string;
}

const TOKEN_SIZE_MAX = 1 << 20;

export function basicAuth(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export class Authorizer {
  readonly registry: string;
  #challenge: Challenge | undefined;
  readonly #credentials: Credentials | undefined;
  readonly #http: HttpOptions;
  readonly #tokens = new Map<string, Promise<string>>();

  constructor(registry: string, credentials: Credentials | undefined, http: HttpOptions) {
    this.registry = registry;
    this.#credentials = credentials;
    this.#http = http;
  }

  get challenge(): Challenge | undefined {
    return this.#challenge;
  }

  /** Take note of a 401's WWW-Authenticate; false when it holds no challenge berth can answer. */
  learn(header: string | null): boolean {
    const challenge = header === null ? undefined : pickChallenge(parseChallenges(header));
    if (challenge === undefined) return false;
    this.#challenge = challenge;
    return true;
  }

  /** Drop the cached token of these scopes (the registry refused it). */
  forget(scopes: readonly string[]): void {
    this.#tokens.delete(scopeKey(scopes));
  }

  /** The Authorization header for a request needing `scopes`; undefined while anonymous. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === "basic") {
      if (this.#credentials === undefined) {
        throw new RegistryResponseError(401, [{ code: "UNAUTHORIZED", message: `${this.registry} requires a login: run 'berth login ${this.registry}'` }]);
      }
      return basicAuth(this.#credentials);
    }
    const key = scopeKey(scopes);
    let token = this.#tokens.get(key);
    if (token === undefined) {
      token = this.#fetchToken(challenge, scopes);
      this.#tokens.set(key, token);
      token.catch(() => this.#tokens.delete(key));
    }
    return `Bearer ${await token}`;
  }

  async #fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<string> {
    let url: URL;
    try {
      url = new URL(challenge.params.realm ?? "");
    } catch (err) {
      throw new Error(`${this.registry} sent a Bearer challenge with an invalid realm ${JSON.stringify(challenge.params.realm)}`, { cause: err });
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#credentials !== undefined) {
      url.searchParams.set("account", this.#credentials.username);
      headers.authorization = basicAuth(this.#credentials);
    }
    const response = await send({ method: "GET", url, headers }, this.#http);
    if (response.status !== 200) {
      const err = await responseError(response);
      throw new RegistryResponseError(response.status, err.errors.map((e) => ({ ...e, message: `token server ${url.host}: ${e.message || e.code}` })));
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(await response.text(TOKEN_SIZE_MAX)) as typeof body;
    } catch (err) {
      throw new Error(`token server ${url.host} answered something that is not JSON`, { cause: err });
    }
    const token = typeof body.token === "string" && body.token !== "" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") throw new Error(`token server ${url.host} answered without a token`);
    return token;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(" ");
}

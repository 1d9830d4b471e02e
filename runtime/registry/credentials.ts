/**
 * Registry credentials in `${root}/auth.json`, in the shape of docker's config.json
 * (`{"auths": {"127.0.0.1:5000": {"auth": base64("user:password")}}}`), so either tool's file
 * reads in the other. The file is 0600 and rewritten atomically under a lock; keys other than
 * the one changed are kept as they were. login verifies the credentials before storing them.
 */
import { readFileSync } from "node:fs";
import { withLock, writeFileAtomic } from "../../lib/store/index.ts";
import type { Credentials } from "./auth.ts";
import { RegistryClient, type ClientOptions, type CredentialLookup } from "./client.ts";
import { RegistryError } from "./errors.ts";
import { checkTransport, insecureRegistriesFromEnv } from "./transport.ts";

export const AUTH_FILE = "auth.json";

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [key: string]: unknown;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  [key: string]: unknown;
}

export function authFilePath(root: string): string {
  return `${root}/${AUTH_FILE}`;
}

/**
 * The key of a registry in auth.json: its host[:port], with docker's aliases of Docker Hub
 * ("https://index.docker.io/v1/", "registry-1.docker.io") read as "docker.io".
 */
export function registryKey(registry: string): string {
  const host = registry.trim().replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

function readAuthFile(path: string): AuthFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  try {
    const json = JSON.parse(text) as AuthFile;
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new TypeError("not a JSON object");
    return json;
  } catch (err) {
    throw new Error(`${path} is not a valid credentials file: ${(err as Error).message}`, { cause: err });
  }
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const plain = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = plain.indexOf(":");
    if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  if (typeof entry.username === "string" && typeof entry.password === "string") return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials read from `${root}/auth.json` when a registry asks for them. */
export function credentialsFrom(root: string): CredentialLookup {
  return (registry) => {
    const auths = readAuthFile(authFilePath(root)).auths ?? {};
    const key = registryKey(registry);
    for (const [name, entry] of Object.entries(auths)) {
      if (registryKey(name) === key && entry !== null && typeof entry === "object") return decodeEntry(entry);
    }
    return undefined;
  };
}

async function updateAuthFile(root: string, change: (auths: Record<string, AuthEntry>) => boolean): Promise<boolean> {
  const path = authFilePath(root);
  return withLock(`${path}.lock`, () => {
    const file = readAuthFile(path);
    const auths = { ...(file.auths ?? {}) };
    if (!change(auths)) return false;
    writeFileAtomic(path, `${JSON.stringify({ ...file, auths }, null, "\t")}\n`, { mode: 0o600, mkdirMode: 0o700 });
    return true;
  });
}

/**
 * Check `username`/`password` against `registry` (GET /v2/ with them, through its token server
 * when it has one) and store them. Throws a RegistryError ("login host: UNAUTHORIZED: …") when
 * the registry refuses them; the password is never part of an error.
 */
export async function login(root: string, registry: string, username: string, password: string, options: ClientOptions = {}): Promise<void> {
  const key = registryKey(registry);
  try {
    const insecure = options.insecureRegistries ?? insecureRegistriesFromEnv();
    if (/^http:\/\//i.test(registry.trim())) checkTransport(new URL(`http://${key}/`), insecure, "login");
    if (username === "" || username.includes(":")) throw new TypeError("the user name must be non-empty and without ':'");
    const credentials = { username, password };
    const client = new RegistryClient(key, { ...options, insecureRegistries: insecure, credentials: () => credentials });
    await client.base();
    const answer = await client.expect(await client.request({ method: "GET", target: "/v2/", scopes: [] }), 200);
    await answer.discard();
  } catch (err) {
    throw new RegistryError("login", key, err);
  }
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  await updateAuthFile(root, (auths) => {
    for (const name of Object.keys(auths)) if (registryKey(name) === key) delete auths[name];
    auths[key] = { auth };
    return true;
  });
}

/** Forget the credentials of `registry`; false when there were none. */
export async function logout(root: string, registry: string): Promise<boolean> {
  const key = registryKey(registry);
  return updateAuthFile(root, (auths) => {
    const names = Object.keys(auths).filter((name) => registryKey(name) === key);
    for (const name of names) delete auths[name];
    return names.length > 0;
  });
}

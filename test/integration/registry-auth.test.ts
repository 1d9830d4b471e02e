/**
 * Authentication: docker-registry behind htpasswd (Basic), login/logout and auth.json, and the
 * Bearer token flow through a token server in front of the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { credentialsFrom, login, logout, pull, push } from "../../runtime/registry/index.ts";
import { makeImage, MemoryStore, startProxy, startRegistry, tempDir, type Proxy, type RunningRegistry } from "./registry-fixtures.ts";

const USER = { username: "berth", password: "s3cret-pa55" };

let basic: RunningRegistry;
let open: RunningRegistry;
let proxy: Proxy;
let root: string;

beforeAll(async () => {
  basic = await startRegistry(USER);
  open = await startRegistry();
  proxy = await startProxy(open.host, { bearer: { ...USER, anonymousPull: true } });
  root = tempDir("auth");
});

afterAll(async () => {
  await proxy?.close();
  await basic?.stop();
  await open?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("Basic auth (docker-registry with htpasswd)", () => {
  it("login with a wrong password fails and stores nothing; the password is in no message", async () => {
    const err = await login(root, basic.host, USER.username, "wrong-password").catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`login ${basic.host}: UNAUTHORIZED: authentication required`);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain("wrong-password");
    expect(existsSync(`${root}/auth.json`)).toBe(false);
  });

  it("login with the right password stores docker's auths shape in a 0600 auth.json, keeping other entries", async () => {
    writeFileSync(`${root}/auth.json`, JSON.stringify({ auths: { "other.example": { auth: "eDp5" } }, credsStore: "keep-me" }), { mode: 0o644 });
    await login(root, `http://${basic.host}`, USER.username, USER.password);
    const file = JSON.parse(readFileSync(`${root}/auth.json`, "utf8")) as { auths: Record<string, { auth: string }>; credsStore: string };
    expect(file.auths[basic.host]).toEqual({ auth: Buffer.from(`${USER.username}:${USER.password}`).toString("base64") });
    expect(file.auths["other.example"]).toEqual({ auth: "eDp5" });
    expect(file.credsStore).toBe("keep-me");
    expect(statSync(`${root}/auth.json`).mode & 0o777).toBe(0o600);
  });

  it("push and pull use the stored credentials; without them the registry's refusal is named", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [100_000, 20_000]);
    await expect(push(`${basic.host}/private/app:1`, local.source(image.manifest))).rejects.toThrowError(
      `push ${basic.host}/private/app:1: UNAUTHORIZED: ${basic.host} requires a login: run 'berth login ${basic.host}'`,
    );
    const credentials = credentialsFrom(root);
    const pushed = await push(`${basic.host}/private/app:1`, local.source(image.manifest), { credentials });
    expect(pushed.uploaded.length).toBe(3);
    const back = new MemoryStore();
    const pulled = await pull(`${basic.host}/private/app:1`, back, { credentials });
    expect(pulled.digest).toBe(image.manifest);
    expect(back.blobs.get(image.layers[0] as string)?.length).toBe(local.size(image.layers[0] as string));
  });

  it("logout forgets the registry's credentials and only them", async () => {
    expect(await logout(root, basic.host)).toBe(true);
    expect(await logout(root, basic.host)).toBe(false);
    const file = JSON.parse(readFileSync(`${root}/auth.json`, "utf8")) as { auths: Record<string, unknown> };
    expect(Object.keys(file.auths)).toEqual(["other.example"]);
    await expect(pull(`${basic.host}/private/app:1`, new MemoryStore(), { credentials: credentialsFrom(root) })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("Bearer tokens (a token server in front of the registry)", () => {
  it("pulls anonymously with a pull-scoped token, fetched once per scope for the command", async () => {
    // seed through the open registry directly
    const local = new MemoryStore();
    const image = await makeImage(local, [30_000, 30_000, 30_000]);
    await push(`${open.host}/pub/tool:1`, local.source(image.manifest));
    const before = proxy.tokenRequests.length;
    const pulled = await pull(`${proxy.host}/pub/tool:1`, new MemoryStore());
    expect(pulled.digest).toBe(image.manifest);
    const asked = proxy.tokenRequests.slice(before);
    expect(asked).toEqual([{ scopes: ["repository:pub/tool:pull"], authenticated: false }]);
  });

  it("an anonymous push is refused by the registry with its code", async () => {
    const local = new MemoryStore();
    const image = await makeImage(local, [1000]);
    await expect(push(`${proxy.host}/team/app:1`, local.source(image.manifest))).rejects.toMatchObject({
      message: `push ${proxy.host}/team/app:1: UNAUTHORIZED: authentication required`,
      code: "UNAUTHORIZED",
    });
  });

  it("login checks the credentials at the token server; push then gets a pull,push token (and one for a mount's source)", async () => {
    await expect(login(root, proxy.host, USER.username, "nope")).rejects.toThrowError(
      `login ${proxy.host}: UNAUTHORIZED: token server ${proxy.host}: incorrect username or password`,
    );
    await login(root, proxy.host, USER.username, USER.password);
    const credentials = credentialsFrom(root);
    const local = new MemoryStore();
    const image = await makeImage(local, [40_000, 40_000]);
    const before = proxy.tokenRequests.length;
    const first = await push(`${proxy.host}/team/app:1`, local.source(image.manifest), { credentials });
    expect(first.uploaded.length).toBe(3);
    expect(proxy.tokenRequests.slice(before)).toEqual([{ scopes: ["repository:team/app:pull,push"], authenticated: true }]);

    const mid = proxy.tokenRequests.length;
    const second = await push(`${proxy.host}/team/copy:1`, local.source(image.manifest), { credentials, mountFrom: [`${proxy.host}/team/app`] });
    expect(second.mounted.length).toBe(3);
    expect(proxy.tokenRequests.slice(mid).map((r) => r.scopes)).toEqual([["repository:team/copy:pull,push"], ["repository:team/copy:pull,push", "repository:team/app:pull"]]);
    const pulled = await pull(`${proxy.host}/team/copy:1`, new MemoryStore(), { credentials });
    expect(pulled.digest).toBe(image.manifest);
  });
});

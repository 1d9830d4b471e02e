/**
 * Fixtures of the registry client's integration tests: Debian's docker-registry started on
 * 127.0.0.1 with a temp root (optionally behind htpasswd), an in-memory content store, images
 * made of real tar layers, and a small proxy in front of the registry that can demand Bearer
 * tokens from its own token server, tamper with a blob, or redirect blob downloads elsewhere.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import tar from "tar-stream";
import type { BlobSink, PushSource } from "../../runtime/registry/index.ts";
import { MediaType } from "../../runtime/registry/index.ts";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function tempDir(tag: string): string {
  return mkdtempSync(`${tmpdir()}/berth-test-${tag}-`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  root: string;
  /** Access log lines so far ('"PUT /v2/foo/blobs/uploads/… HTTP/1.1" 201 …'). */
  requests(): string[];
  stop(): Promise<void>;
}

/** Start docker-registry on a free port of 127.0.0.1; with `user` it demands that htpasswd login. */
export async function startRegistry(user?: { username: string; password: string }): Promise<RunningRegistry> {
  const root = tempDir("registry");
  const port = await freePort();
  const lines = [`version: 0.1`, `storage:`, `  filesystem:`, `    rootdirectory: ${root}/data`, `http:`, `  addr: 127.0.0.1:${port}`];
  if (user !== undefined) {
    writeFileSync(`${root}/htpasswd`, `${user.username}:${bcrypt.hashSync(user.password, 4)}\n`);
    lines.push(`auth:`, `  htpasswd:`, `    realm: berth-test`, `    path: ${root}/htpasswd`);
  }
  writeFileSync(`${root}/config.yml`, `${lines.join("\n")}\n`);
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", `${root}/config.yml`], { stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const collect = (chunk: Buffer) => log.push(...chunk.toString().split("\n").filter((l) => l.includes('"') && / HTTP\/1\.1" \d{3} /.test(l)));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      await r.arrayBuffer();
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start on 127.0.0.1:${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, root, requests: () => [...log], stop };
}

/** Digests of the blob uploads the registry completed for `repo` (the closing PUT of each upload). */
export function blobUploads(registry: RunningRegistry, repo: string): string[] {
  const re = new RegExp(`"PUT /v2/${repo}/blobs/uploads/[^" ]*digest=sha256%3A([0-9a-f]{64})[^" ]* HTTP/1.1" 201 `);
  return registry.requests().flatMap((l) => {
    const m = re.exec(l);
    return m ? [`sha256:${m[1]}`] : [];
  });
}

/** Blob mounts the registry granted into `repo`. */
export function blobMounts(registry: RunningRegistry, repo: string): string[] {
  return registry.requests().filter((l) => new RegExp(`"POST /v2/${repo}/blobs/uploads/\\?[^" ]*mount=[^" ]* HTTP/1.1" 201 `).test(l));
}

/** A content store in memory with the real store's contract: verifies, stores nothing on failure, counts writes. */
export class MemoryStore implements BlobSink {
  readonly blobs = new Map<string, Uint8Array>();
  readonly writes = new Map<string, number>();

  has(digest: string): boolean {
    return this.blobs.has(digest);
  }

  async write(blob: { digest: string; size: number }, source: AsyncIterable<Uint8Array>): Promise<boolean> {
    const parts: Uint8Array[] = [];
    for await (const chunk of source) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    if (bytes.length !== blob.size || sha256(bytes) !== blob.digest) throw new Error(`MemoryStore: ${blob.digest} does not match its content`);
    if (this.blobs.has(blob.digest)) return false;
    this.blobs.set(blob.digest, bytes);
    this.writes.set(blob.digest, (this.writes.get(blob.digest) ?? 0) + 1);
    return true;
  }

  put(bytes: Uint8Array): string {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  size(digest: string): number {
    const b = this.blobs.get(digest);
    if (b === undefined) throw new Error(`MemoryStore: no blob ${digest}`);
    return b.length;
  }

  async *stream(digest: string): AsyncGenerator<Uint8Array> {
    const b = this.blobs.get(digest);
    if (b === undefined) throw new Error(`MemoryStore: no blob ${digest}`);
    for (let off = 0; off < b.length; off += 65536) yield b.subarray(off, off + 65536);
  }

  /** A push source for the image whose manifest is `manifest`. */
  source(manifest: string): PushSource {
    return { manifest, size: (d) => this.size(d), stream: (d) => this.stream(d) };
  }
}

async function tarOf(name: string, content: Uint8Array): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, size: content.length, mode: 0o644 }, Buffer.from(content));
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

export interface TestImage {
  manifest: string;
  config: string;
  layers: string[];
  bytes: Uint8Array;
}

/** An image of real gzip'd tar layers (random content, `sizes` bytes each) stored in `store`. */
export async function makeImage(store: MemoryStore, sizes: number[], options: { architecture?: string; docker?: boolean; gzip?: boolean } = {}): Promise<TestImage> {
  const layers: { digest: string; size: number; diffId: string }[] = [];
  for (const [i, size] of sizes.entries()) {
    const tarBytes = await tarOf(`layer${i}.bin`, randomBytes(size));
    const blob = options.gzip === false ? tarBytes : gzipSync(tarBytes, { level: 1 });
    layers.push({ digest: store.put(blob), size: blob.length, diffId: sha256(tarBytes) });
  }
  const architecture = options.architecture ?? "amd64";
  const config = Buffer.from(
    JSON.stringify({ architecture, os: "linux", config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } }),
  );
  const configDigest = store.put(config);
  const layerType = options.gzip === false ? "application/vnd.oci.image.layer.v1.tar" : options.docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip";
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: options.docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST,
      config: { mediaType: options.docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG, digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.size })),
    }),
  );
  return { manifest: store.put(manifest), config: configDigest, layers: layers.map((l) => l.digest), bytes: manifest };
}

/** An OCI index over images already in `store`. */
export function makeIndex(store: MemoryStore, entries: { image: TestImage; architecture: string }[]): string {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: entries.map((e) => ({ mediaType: MediaType.OCI_MANIFEST, digest: e.image.manifest, size: e.image.bytes.length, platform: { os: "linux", architecture: e.architecture } })),
    }),
  );
  return store.put(index);
}

export interface ProxyOptions {
  /** Demand Bearer tokens from the proxy's /token, issued for this user's Basic credentials (or anonymous pulls when absent). */
  bearer?: { username: string; password: string; anonymousPull?: boolean };
  /** Serve these blobs with one byte changed. */
  tamper?: Set<string>;
  /** Answer blob GETs with a 307 to another server (another origin), which serves them without auth. */
  redirectBlobs?: boolean;
  /** With redirectBlobs: send the client to this host instead (never contacted when the policy refuses it). */
  redirectHost?: string;
}

export interface Proxy {
  host: string;
  /** Token requests: the scopes asked for and whether credentials came with them. */
  tokenRequests: { scopes: string[]; authenticated: boolean }[];
  /** Authorization headers the redirect target received (must stay empty). */
  redirectAuthHeaders: string[];
  redirects: number;
  close(): Promise<void>;
}

function forward(target: string, req: IncomingMessage, res: ServerResponse, transform?: (body: Buffer) => Buffer): void {
  const headers = { ...req.headers };
  delete headers.authorization;
  const upstream = httpRequest(`http://${target}${req.url}`, { method: req.method, headers }, (answer) => {
    if (transform === undefined || answer.statusCode !== 200) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const parts: Buffer[] = [];
    answer.on("data", (c: Buffer) => parts.push(c));
    answer.on("end", () => {
      res.writeHead(200, answer.headers);
      res.end(transform(Buffer.concat(parts)));
    });
  });
  upstream.on("error", () => res.destroy());
  req.pipe(upstream);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What a request to /v2/<name>/… needs: [repository, action] pairs. */
function needs(req: IncomingMessage): [string, string][] {
  const url = new URL(req.url ?? "/", "http://x");
  const m = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(url.pathname);
  if (m === null) return [];
  const out: [string, string][] = [[m[1] as string, req.method === "GET" || req.method === "HEAD" ? "pull" : "push"]];
  const from = url.searchParams.get("from");
  if (from !== null) out.push([from, "pull"]);
  return out;
}

/** A proxy in front of `registry` (see ProxyOptions). */
export async function startProxy(registry: string, options: ProxyOptions): Promise<Proxy> {
  const tokens = new Map<string, Set<string>>();
  const state: Omit<Proxy, "host" | "close"> = { tokenRequests: [], redirectAuthHeaders: [], redirects: 0 };
  const blobServer = createServer((req, res) => {
    if (req.headers.authorization !== undefined) state.redirectAuthHeaders.push(req.headers.authorization);
    forward(registry, req, res);
  });
  const blobHost = await listen(blobServer);
  let host = "";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token" && options.bearer !== undefined) {
      const scopes = url.searchParams.getAll("scope");
      const basic = req.headers.authorization?.startsWith("Basic ") ? Buffer.from(req.headers.authorization.slice(6), "base64").toString() : undefined;
      state.tokenRequests.push({ scopes, authenticated: basic !== undefined });
      const { username, password, anonymousPull } = options.bearer;
      const granted = new Set<string>();
      if (basic === `${username}:${password}`) for (const s of scopes) for (const a of (s.split(":")[2] ?? "").split(",")) granted.add(`${s.split(":")[1]}:${a}`);
      else if (basic !== undefined) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }] }));
        return;
      } else if (anonymousPull) for (const s of scopes) granted.add(`${s.split(":")[1]}:pull`);
      const token = randomBytes(16).toString("hex");
      tokens.set(token, granted);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(url.searchParams.has("alt") ? { access_token: token } : { token, expires_in: 300 }));
      return;
    }
    if (options.bearer !== undefined) {
      const token = req.headers.authorization?.startsWith("Bearer ") ? req.headers.authorization.slice(7) : undefined;
      const granted = token === undefined ? undefined : tokens.get(token);
      const missing = needs(req).filter(([repo, action]) => !granted?.has(`${repo}:${action}`));
      if (granted === undefined || missing.length > 0) {
        const scope = missing.map(([repo, action]) => `repository:${repo}:${action === "push" ? "pull,push" : "pull"}`).join(" ");
        res.writeHead(401, {
          "content-type": "application/json",
          "www-authenticate": `Bearer realm="http://${host}/token",service="berth-test"${scope ? `,scope="${scope}"` : ""}`,
        });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        return;
      }
    }
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)?.[1];
    if (blob !== undefined && req.method === "GET" && options.redirectBlobs) {
      state.redirects += 1;
      res.writeHead(307, { location: `http://${options.redirectHost ?? blobHost}${req.url}` });
      res.end();
      return;
    }
    if (blob !== undefined && req.method === "GET" && options.tamper?.has(blob)) {
      forward(registry, req, res, (body) => {
        const copy = Buffer.from(body);
        copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0xff;
        return copy;
      });
      return;
    }
    forward(registry, req, res);
  });
  host = await listen(server);
  return {
    host,
    get tokenRequests() {
      return state.tokenRequests;
    },
    get redirectAuthHeaders() {
      return state.redirectAuthHeaders;
    },
    get redirects() {
      return state.redirects;
    },
    close: async () => {
      server.closeAllConnections();
      blobServer.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => blobServer.close(r))]);
    },
  };
}

/**
 * Snapshots: each layer unpacked once, in overlayfs form, at
 * `<root>/snapshots/<chain ID hex>/fs`, shared by every image whose layer stack starts the same.
 *
 * Chain IDs follow the OCI image spec: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). A snapshot's content depends on the
 * layers below it (paths resolve through them), which is why it is keyed by chain ID.
 *
 * Crash safety: a snapshot is written under its own lock (flock on `.locks/<hex>.lock`) into
 * `.tmp-<hex>-<pid>-<n>` and renamed into place once its diff ID is verified, so a killed unpack
 * leaves only a temp directory, never a half snapshot; the next prepare of that snapshot or
 * removeUnusedSnapshots() removes it. Removal renames a snapshot away before deleting it for the
 * same reason. Lock files stay (removing a lock file others may wait on is a race).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { FileLock, LockTimeoutError } from "../../../lib/store/index.ts";
import { LayerError } from "./errors.ts";

/** A layer as the image code hands it over: its diff ID and a way to read it (compressed or not). */
export interface LayerSource {
  diffId: string;
  open(): AsyncIterable<Uint8Array>;
}

export interface PrepareOptions {
  /** Let layers create device nodes (see UnpackOptions.allowDevices). */
  allowDevices?: boolean;
  /** How long to wait for another process unpacking the same snapshot (default 10 min). */
  lockTimeoutMs?: number;
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const TEMP = /^\.tmp-([0-9a-f]{64})-/;

function hexOf(digest: string, what: string): string {
  const m = DIGEST.exec(digest);
  if (m === null) throw new LayerError(digest, `is not a valid ${what} (want sha256:<64 hex digits>)`);
  return m[1] as string;
}

/** The chain IDs of a layer stack, lowest first. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    hexOf(diffId, "diff ID");
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : `sha256:${createHash("sha256").update(`${prev} ${diffId}`).digest("hex")}`);
  }
  return out;
}

export function snapshotsDir(root: string): string {
  return `${root}/snapshots`;
}

/** The directory a snapshot's files live in (what overlayfs gets as a lower directory). */
export function snapshotPath(root: string, chainId: string): string {
  return `${snapshotsDir(root)}/${hexOf(chainId, "chain ID")}/fs`;
}

/** Snapshots being made by this process, so concurrent callers share one unpack. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Make sure every layer of the stack is unpacked; returns the snapshot directories, lowest first.
 * Layers already unpacked (by any image) are not read again.
 */
export async function prepareSnapshots(
  root: string,
  layers: readonly LayerSource[],
  options: PrepareOptions = {},
): Promise<string[]> {
  const ids = chainIds(layers.map((l) => l.diffId));
  const dirs: string[] = [];
  for (const [i, layer] of layers.entries()) {
    const chainId = ids[i] as string;
    const dir = snapshotPath(root, chainId);
    if (!existsSync(dir)) {
      let job = inFlight.get(dir);
      if (job === undefined) {
        job = makeSnapshot(root, chainId, layer, [...dirs], options).finally(() => inFlight.delete(dir));
        inFlight.set(dir, job);
      }
      await job;
    }
    dirs.push(dir);
  }
  return dirs;
}

async function makeSnapshot(
  root: string,
  chainId: string,
  layer: LayerSource,
  lowers: string[],
  options: PrepareOptions,
): Promise<void> {
  const hex = hexOf(chainId, "chain ID");
  const base = snapshotsDir(root);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const lock = await lockSnapshot(root, hex, options.lockTimeoutMs ?? 600_000);
  try {
    if (existsSync(`${base}/${hex}/fs`)) return; // another process made it meanwhile
    removeTemps(base, hex);
    const tmp = `${base}/.tmp-${hex}-${process.pid}-${randomBytes(4).toString("hex")}`;
    mkdirSync(tmp, { mode: 0o700 });
    try {
      // The unpacker (tar reader, decompressors) is loaded only when a layer is not unpacked yet.
      const { unpackLayer } = await import("./unpack.ts");
      const stats = await unpackLayer(layer.open(), `${tmp}/fs`, {
        layer: layer.diffId,
        lowers,
        allowDevices: options.allowDevices,
      });
      if (stats.diffId !== layer.diffId) {
        throw new LayerError(
          layer.diffId,
          `content does not match its diff ID: the uncompressed stream has digest ${stats.diffId}, expected ${layer.diffId}`,
        );
      }
      renameSync(tmp, `${base}/${hex}`);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  } finally {
    lock.release();
  }
}

function removeTemps(base: string, hex: string): void {
  for (const name of readdirSync(base)) {
    if (TEMP.exec(name)?.[1] === hex) rmSync(`${base}/${name}`, { recursive: true, force: true });
  }
}

function lockPath(root: string, hex: string): string {
  return `${snapshotsDir(root)}/.locks/${hex}.lock`;
}

/** The snapshot's lock, waiting without blocking the event loop. */
async function lockSnapshot(root: string, hex: string, timeoutMs: number): Promise<FileLock> {
  const path = lockPath(root, hex);
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  for (;;) {
    const lock = tryLock(path);
    if (lock !== undefined) return lock;
    if (Date.now() >= deadline) throw new LockTimeoutError(path, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 200);
  }
}

function tryLock(path: string): FileLock | undefined {
  try {
    return FileLock.acquire(path, { timeoutMs: 0 });
  } catch (err) {
    if (err instanceof LockTimeoutError) return undefined;
    throw err;
  }
}

/**
 * Remove every snapshot whose chain ID is not in `inUse` ("sha256:<hex>" or bare hex), and the
 * temp directories of killed unpacks. A snapshot or temp whose lock is held (being made right now)
 * is left alone. Returns the chain IDs removed. The caller decides what is in use: every chain ID
 * of every image kept and of every container's root filesystem.
 */
export function removeUnusedSnapshots(root: string, inUse: ReadonlySet<string>): string[] {
  const base = snapshotsDir(root);
  if (!existsSync(base)) return [];
  const keep = new Set([...inUse].map((id) => id.replace(/^sha256:/, "")));
  const removed: string[] = [];
  for (const name of readdirSync(base).sort()) {
    const temp = TEMP.exec(name);
    const hex = temp?.[1] ?? (/^[0-9a-f]{64}$/.test(name) ? name : undefined);
    if (hex === undefined || (temp === null && keep.has(hex))) continue;
    const lock = tryLock(lockPath(root, hex));
    if (lock === undefined) continue;
    try {
      if (temp !== null) {
        rmSync(`${base}/${name}`, { recursive: true, force: true });
        continue;
      }
      const doomed = `${base}/.tmp-${hex}-gc-${process.pid}`;
      renameSync(`${base}/${name}`, doomed);
      rmSync(doomed, { recursive: true, force: true });
      removed.push(`sha256:${hex}`);
    } finally {
      lock.release();
    }
  }
  return removed;
}

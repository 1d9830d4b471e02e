/**
 * Network namespaces by path: open one, run a short synchronous section inside it,
 * create and delete named ones (bind mounts under /run/netns, like `ip netns add`).
 *
 * setns() affects only the calling thread. Everything here is synchronous on purpose:
 * a section run inside a namespace must never await, or other work would run there.
 */
import { fstatSync, mkdirSync, closeSync, openSync, readdirSync, statSync, unlinkSync, readFileSync } from "node:fs";
import {
  sys,
  CLONE_NEWNET,
  MNT_DETACH,
  MS_BIND,
  MS_REC,
  MS_SHARED,
  O_CLOEXEC,
  O_RDONLY,
  hasErrno,
} from "../../native/index.ts";

/** Where named namespaces live (iproute2's NETNS_RUN_DIR). */
export const NETNS_RUN_DIR = "/run/netns";

/** NSFS_MAGIC from linux/magic.h: the filesystem type of a namespace file. */
const NSFS_MAGIC = 0x6e736673;

/** An open network namespace file descriptor. */
export class Netns {
  readonly fd: number;
  readonly path: string;
  #closed = false;

  private constructor(fd: number, path: string) {
    this.fd = fd;
    this.path = path;
  }

  /** Open a namespace by path: `/run/netns/NAME`, `/var/run/netns/NAME` or `/proc/PID/ns/net`. */
  static open(path: string): Netns {
    const fd = sys.open(path, O_RDONLY | O_CLOEXEC);
    return new Netns(fd, path);
  }

  /** The inode that identifies the namespace (two paths name the same one when equal). */
  inode(): bigint {
    return fstatSync(this.fd, { bigint: true }).ino;
  }

  /** True when both handles refer to the same namespace. */
  sameAs(other: Netns): boolean {
    const a = fstatSync(this.fd, { bigint: true });
    const b = fstatSync(other.fd, { bigint: true });
    return a.ino === b.ino && a.dev === b.dev;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    sys.close(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The calling thread's current network namespace. */
export function currentNetns(): Netns {
  return Netns.open("/proc/thread-self/ns/net");
}

/**
 * Run `fn` with the calling thread inside `ns`, then switch back. `fn` must be synchronous;
 * returning a Promise is an error (the continuation would run in the wrong namespace).
 */
export function withNetns<T>(ns: Netns | string, fn: () => T): T {
  const target = typeof ns === "string" ? Netns.open(ns) : ns;
  const origin = currentNetns();
  try {
    sys.setns(target.fd, CLONE_NEWNET);
    try {
      const result = fn();
      if (result instanceof Promise) {
        throw new TypeError("A section run inside a network namespace must be synchronous");
      }
      return result;
    } finally {
      sys.setns(origin.fd, CLONE_NEWNET);
    }
  } finally {
    origin.close();
    if (typeof ns === "string") target.close();
  }
}

/** True when `path` is a namespace file (nsfs), i.e. a live or bind-mounted namespace. */
export function isNetnsPath(path: string): boolean {
  try {
    const fd = sys.open(path, O_RDONLY | O_CLOEXEC);
    try {
      return statfsType(path) === NSFS_MAGIC;
    } finally {
      sys.close(fd);
    }
  } catch {
    return false;
  }
}

function statfsType(path: string): number {
  // Node has no statfs on fds; /proc/self/mountinfo is authoritative for bind mounts,
  // and /proc/PID/ns/net links report nsfs through their target name.
  if (/^\/proc\/(\d+|self|thread-self)\/(task\/\d+\/)?ns\/net$/.test(path)) return NSFS_MAGIC;
  return mountpointFsType(path) === "nsfs" ? NSFS_MAGIC : 0;
}

/** The filesystem type mounted exactly at `path`, from /proc/self/mountinfo. */
function mountpointFsType(path: string): string | undefined {
  const info = readFileSync("/proc/self/mountinfo", "utf8");
  let found: string | undefined;
  for (const line of info.split("\n")) {
    const fields = line.split(" ");
    const sep = fields.indexOf("-");
    if (sep < 0) continue;
    if (unescapeMount(fields[4] ?? "") === path) found = fields[sep + 1];
  }
  return found;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Make the run dir a shared mount point of its own, as iproute2 does, so bind mounts propagate. */
function ensureRunDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  try {
    sys.mount(null, dir, "none", MS_SHARED | MS_REC, null);
  } catch (err) {
    if (!hasErrno(err, "EINVAL")) throw err;
    // Not a mount point yet: bind it onto itself, then mark it shared.
    sys.mount(dir, dir, "none", MS_BIND | MS_REC, null);
    sys.mount(null, dir, "none", MS_SHARED | MS_REC, null);
  }
}

/**
 * Create a new, empty network namespace pinned at `dir/name`.
 * Equivalent to `ip netns add NAME`. Fails with EEXIST when the name is taken.
 */
export function createNamedNetns(name: string, dir: string = NETNS_RUN_DIR): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === "." || name === "..") {
    throw new TypeError(`Invalid namespace name ${JSON.stringify(name)}: use letters, digits, "_", "." and "-"`);
  }
  ensureRunDir(dir);
  const path = `${dir}/${name}`;
  closeSync(openSync(path, "wx", 0o444));
  try {
    pinNewNetns(path);
  } catch (err) {
    unlinkSync(path);
    throw err;
  }
  return path;
}

/**
 * Run `fn` on this thread inside a brand-new, empty network namespace that nothing keeps: it
 * vanishes once `fn` returns and its sockets are closed (for probes of what the kernel can do,
 * without touching any real namespace).
 */
export function withThrowawayNetns<T>(fn: () => T): T {
  const origin = currentNetns();
  try {
    sys.unshare(CLONE_NEWNET);
    try {
      return fn();
    } finally {
      sys.setns(origin.fd, CLONE_NEWNET);
    }
  } finally {
    origin.close();
  }
}

/** Create a new, empty network namespace and bind it onto the existing file `path`. */
export function pinNewNetns(path: string): void {
  const origin = currentNetns();
  try {
    sys.unshare(CLONE_NEWNET);
    try {
      sys.mount("/proc/thread-self/ns/net", path, "none", MS_BIND, null);
    } finally {
      sys.setns(origin.fd, CLONE_NEWNET);
    }
  } finally {
    origin.close();
  }
}

/** Detach whatever namespace is bound at `path`, keeping the file (not mounted is fine). */
export function unbindNetns(path: string): void {
  try {
    sys.umount2(path, MNT_DETACH);
  } catch (err) {
    if (!hasErrno(err, "EINVAL") && !hasErrno(err, "ENOENT")) throw err;
  }
}

/** True when `path` is a mount point (a bind-mounted namespace, not a /proc link). */
export function isMountPoint(path: string): boolean {
  return mountpointFsType(path) !== undefined;
}

/**
 * PIDs of processes whose network namespace is the one at `path` (a scan of /proc: use it for
 * rare checks, never on a hot path).
 */
export function processesInNetns(path: string): number[] {
  const target = statSync(path, { bigint: true });
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const st = statSync(`/proc/${entry}/ns/net`, { bigint: true });
      if (st.ino === target.ino && st.dev === target.dev) pids.push(Number(entry));
    } catch {
      // The process exited, or is not ours to inspect.
    }
  }
  return pids;
}

/** Pin an existing namespace (by path or fd path) at `target` with a bind mount. */
export function bindNetns(source: string, target: string): void {
  sys.mount(source, target, "none", MS_BIND, null);
}

/**
 * Remove a pinned namespace: unmount and unlink. Missing is not an error.
 * Equivalent to `ip netns del NAME`.
 */
export function deleteNamedNetns(name: string, dir: string = NETNS_RUN_DIR): void {
  unpinNetns(`${dir}/${name}`);
}

/** Unmount a namespace bind mount at `path` and remove the file; missing is fine. */
export function unpinNetns(path: string): void {
  try {
    sys.umount2(path, MNT_DETACH);
  } catch (err) {
    if (!hasErrno(err, "EINVAL") && !hasErrno(err, "ENOENT")) throw err;
  }
  try {
    unlinkSync(path);
  } catch (err) {
    if (!hasErrno(err, "ENOENT")) throw err;
  }
}

/** True when a path exists at all (namespace files may vanish between calls). */
export function pathExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

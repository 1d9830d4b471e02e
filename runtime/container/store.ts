/**
 * Containers on disk: `<root>/containers/<id>/container.json` (written atomically) plus a name
 * index (`<root>/containers/.names/<name>` → id, created exclusively, so two `run --name x` at
 * once cannot both win). Every change to one container happens under its own lock.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { FileLock, writeFileAtomic } from "../../lib/store/index.ts";

export interface PortBinding {
  protocol: "tcp" | "udp" | "sctp";
  containerPort: number;
  hostIP: string;
  hostPort: number;
}

export type ContainerStatus = "created" | "running" | "restarting" | "exited" | "removing";

/** docker's --restart: no, always, unless-stopped, on-failure[:max retries] (0: no limit). */
export interface RestartPolicy {
  name: "no" | "always" | "unless-stopped" | "on-failure";
  maximumRetryCount: number;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  image: string;
  imageId: string;
  config: {
    cmd: string[];
    entrypoint?: string;
    env: string[];
    workdir?: string;
    user?: string;
    tty: boolean;
    interactive: boolean;
    hostname: string;
    exposedPorts: string[];
    labels: Record<string, string>;
  };
  hostConfig: {
    networkMode: string;
    portBindings: PortBinding[];
    links: { name: string; alias: string }[];
    dns: string[];
    dnsSearch: string[];
    dnsOptions: string[];
    extraHosts: string[];
    binds: string[];
    /** --ip and --mac-address: passed to the plugins as the `ips` and `mac` capabilities. */
    ip?: string;
    mac?: string;
    memory?: number;
    cpus?: number;
    cpuShares?: number;
    pidsLimit?: number;
    autoRemove: boolean;
    restartPolicy?: RestartPolicy;
  };
  state: {
    status: ContainerStatus;
    pid?: number;
    shimPid?: number;
    startedAt?: string;
    finishedAt?: string;
    exitCode?: number;
    oomKilled?: boolean;
    error?: string;
    /** Restarts by the restart policy since the container was created. */
    restartCount?: number;
    /** stop, kill or rm asked for the end: the restart policy does not bring it back. */
    stopRequested?: boolean;
  };
  /** Where the network namespace is, and what each network's plugins answered. */
  network: { netns?: string; attachments: { network: string; ifname: string; result: Record<string, unknown> }[] };
}

export class NoSuchContainerError extends Error {
  constructor(ref: string) {
    super(`no such container "${ref}": see 'berth ps -a'`);
    this.name = "NoSuchContainerError";
  }
}

export class ContainerStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = `${root}/containers`;
  }

  path(id: string): string {
    return `${this.dir}/${id}`;
  }

  lock(id: string): FileLock {
    return FileLock.acquire(`${this.dir}/${id}/.lock`);
  }

  /** Reserve a name (Docker's random-ish default when none) and a fresh ID; throws when the name is taken. */
  reserve(name: string | undefined): { id: string; name: string } {
    const id = randomBytes(32).toString("hex");
    const chosen = name ?? `berth_${id.slice(0, 8)}`;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(chosen)) throw new Error(`invalid container name "${chosen}": use letters, digits, "_", "." and "-", starting with a letter or digit`);
    mkdirSync(`${this.dir}/.names`, { recursive: true, mode: 0o700 });
    let fd: number;
    try {
      fd = openSync(`${this.dir}/.names/${chosen}`, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        const holder = this.#nameHolder(chosen);
        throw new Error(`the container name "/${chosen}" is already in use by container ${holder?.slice(0, 12) ?? "?"}: remove it (berth rm -f ${chosen}) or pick another --name`);
      }
      throw err;
    }
    writeSync(fd, id);
    closeSync(fd);
    mkdirSync(this.path(id), { recursive: true, mode: 0o700 });
    return { id, name: chosen };
  }

  #nameHolder(name: string): string | undefined {
    try {
      return readFileSync(`${this.dir}/.names/${name}`, "utf8").trim();
    } catch {
      return undefined;
    }
  }

  write(record: ContainerRecord): void {
    writeFileAtomic(`${this.path(record.id)}/container.json`, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600, durable: false });
  }

  read(id: string): ContainerRecord | undefined {
    try {
      return JSON.parse(readFileSync(`${this.path(id)}/container.json`, "utf8")) as ContainerRecord;
    } catch {
      return undefined;
    }
  }

  /** By full ID, unique ID prefix, or name. */
  find(ref: string): ContainerRecord | undefined {
    const byName = this.#nameHolder(ref.replace(/^\//, ""));
    if (byName !== undefined) {
      const r = this.read(byName);
      if (r) return r;
    }
    if (/^[0-9a-f]{1,64}$/.test(ref)) {
      const ids = this.ids().filter((id) => id.startsWith(ref));
      if (ids.length > 1) throw new Error(`container ID prefix "${ref}" is ambiguous: give more characters`);
      if (ids[0] !== undefined) return this.read(ids[0]);
    }
    return undefined;
  }

  get(ref: string): ContainerRecord {
    const r = this.find(ref);
    if (r === undefined) throw new NoSuchContainerError(ref);
    return r;
  }

  ids(): string[] {
    try {
      return readdirSync(this.dir).filter((d) => /^[0-9a-f]{64}$/.test(d));
    } catch {
      return [];
    }
  }

  list(): ContainerRecord[] {
    return this.ids().flatMap((id) => {
      const r = this.read(id);
      return r ? [r] : [];
    });
  }

  /**
   * What a command killed mid-create can leave: a container directory without its record, or a
   * name pointing at no record. Removed once older than `graceMs` (a create in progress is younger).
   */
  collectOrphans(graceMs: number): void {
    const old = (path: string) => {
      try {
        return Date.now() - statSync(path).mtimeMs > graceMs;
      } catch {
        return false;
      }
    };
    for (const id of this.ids()) if (this.read(id) === undefined && old(this.path(id))) rmSync(this.path(id), { recursive: true, force: true });
    let names: string[] = [];
    try {
      names = readdirSync(`${this.dir}/.names`);
    } catch {
      // none
    }
    for (const n of names) {
      const id = this.#nameHolder(n);
      if (id !== undefined && this.read(id) === undefined && old(`${this.dir}/.names/${n}`)) rmSync(`${this.dir}/.names/${n}`, { force: true });
    }
  }

  /** Forget a container: its directory and its name. */
  remove(record: Pick<ContainerRecord, "id" | "name">): void {
    if (this.#nameHolder(record.name) === record.id) rmSync(`${this.dir}/.names/${record.name}`, { force: true });
    rmSync(this.path(record.id), { recursive: true, force: true });
  }
}

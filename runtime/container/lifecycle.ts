/**
 * Containers from creation to removal, without a daemon: every step is a berth command that
 * takes the container's lock, does its part and records it. create = name + rootfs + network +
 * bundle; start = a monitor (foreground, or a detached `berth shim`); stop/kill through runc;
 * rm = teardown from the record (network DEL from the CNI cache, rootfs, runc state, files).
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import type { ImageStore } from "../image/store/index.ts";
import { buildSpec } from "../oci/spec.ts";
import { mark } from "../trace.ts";
import { resolveUser } from "../oci/user.ts";
import { removeCgroups } from "./cgroups.ts";
import { restartDelayMs, shouldRestart } from "./restart.ts";
import { monitor, type ExitStatus } from "./monitor.ts";
import { allowLinkedPairs, attachNetwork, detachNetwork, dnsDir, netnsPath, releaseLinkedPairs, type NetworkContext } from "./network.ts";
import { prepareRootfs, releaseRootfs } from "./rootfs.ts";
import type { Runc } from "./runc.ts";
import type { ContainerStore} from "./store.ts";
import { type ContainerRecord } from "./store.ts";

export interface Runtime {
  root: string;
  containers: ContainerStore;
  images: ImageStore;
  net: NetworkContext;
  runc: Runc;
  /** The berth binary (for detached monitors). */
  self: string;
}

export interface CreateRequest {
  name?: string;
  image: string;
  command: string[];
  entrypoint?: string;
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  hostname?: string;
  hostConfig: ContainerRecord["hostConfig"];
  /** "name:ip" lines for /etc/hosts (--add-host, --link). */
  extraHosts: string[];
  /** Extra env (docker's link variables). */
  linkEnv: string[];
}

/** The caller's hard RLIMIT_NOFILE: a container never asks for more (machines without CAP_SYS_RESOURCE). */
function nofileLimit(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const hard = Number(line?.trim().split(/\s+/)[4]);
    if (Number.isFinite(hard) && hard > 0) return Math.min(hard, 1_048_576);
  } catch {
    // fall through
  }
  return 1024;
}

export const cgroupsPath = (id: string) => `/berth/${id}`;

/** Create a container (not started). Nothing of it is left when this fails. */
export async function createContainer(rt: Runtime, req: CreateRequest): Promise<ContainerRecord> {
  const image = rt.images.get(req.image);
  if (image === undefined) throw new Error(`no such image "${req.image}": pull it (berth pull ${req.image}) or import one`);
  const config = rt.images.configOf(image).config ?? {};
  const { id, name } = rt.containers.reserve(req.name);
  const dir = rt.containers.path(id);
  const rec: ContainerRecord = {
    id,
    name,
    created: new Date().toISOString(),
    image: req.image,
    imageId: image.id,
    config: {
      cmd: req.command,
      ...(req.entrypoint !== undefined ? { entrypoint: req.entrypoint } : {}),
      env: [...req.linkEnv, ...req.env],
      ...(req.workdir !== undefined ? { workdir: req.workdir } : {}),
      ...(req.user !== undefined ? { user: req.user } : {}),
      tty: req.tty,
      interactive: req.interactive,
      hostname: req.hostname ?? id.slice(0, 12),
      exposedPorts: Object.keys(config.ExposedPorts ?? {}),
      labels: config.Labels ?? {},
    },
    hostConfig: req.hostConfig,
    state: { status: "created" },
    network: { attachments: [] },
  };
  rt.containers.write(rec);
  try {
    const rootfs = await prepareRootfs(rt.images, image, dir, req.hostConfig.autoRemove === true);
    mark("rootfs mounted");
    let shared: string | undefined;
    if (rec.hostConfig.networkMode.startsWith("container:")) shared = rt.containers.get(rec.hostConfig.networkMode.slice(10)).network.netns;
    else if (rec.hostConfig.networkMode !== "host") {
      // Recorded before it exists: a command killed from here on leaves a record rm can clean from.
      rec.network.netns = netnsPath(rec.id);
      rt.containers.write(rec);
    }
    await attachNetwork(rt.net, rec, dir, req.extraHosts, shared);
    mark("network attached");
    rt.containers.write(rec);
    await allowLinkedPairs(rt.net, rec, rec.hostConfig.links.map((l) => rt.containers.get(l.name)));
    const dns = dnsDir(dir);
    const spec = buildSpec({
      id,
      rootfs,
      image: { Env: config.Env ?? [], Cmd: config.Cmd ?? [], Entrypoint: config.Entrypoint ?? [], WorkingDir: config.WorkingDir ?? "", User: config.User ?? "" },
      ...(req.entrypoint !== undefined ? { entrypoint: req.entrypoint } : {}),
      command: req.command,
      env: rec.config.env,
      ...(req.workdir !== undefined ? { workdir: req.workdir } : {}),
      user: resolveUser(rootfs, req.user ?? config.User),
      terminal: req.tty,
      hostname: rec.config.hostname,
      netns: rec.network.netns === "host" ? "host" : (rec.network.netns as string),
      binds: [
        ...["hosts", "resolv.conf", "hostname"].map((f) => ({ source: `${dns}/${f}`, destination: `/etc/${f}`, readonly: false })),
        ...rec.hostConfig.binds.map(parseBind),
      ],
      resources: {
        ...(rec.hostConfig.memory !== undefined ? { memoryBytes: rec.hostConfig.memory } : {}),
        ...(rec.hostConfig.cpus !== undefined ? { cpus: rec.hostConfig.cpus } : {}),
        ...(rec.hostConfig.cpuShares !== undefined ? { cpuShares: rec.hostConfig.cpuShares } : {}),
        ...(rec.hostConfig.pidsLimit !== undefined ? { pidsLimit: rec.hostConfig.pidsLimit } : {}),
      },
      cgroupsPath: cgroupsPath(id),
      nofile: nofileLimit(),
    });
    mkdirSync(`${dir}/bundle`, { recursive: true, mode: 0o700 });
    writeFileSync(`${dir}/bundle/config.json`, JSON.stringify(spec, null, 1));
    mark("bundle written");
    return rec;
  } catch (err) {
    await teardown(rt, rec);
    throw err;
  }
}

/** `-v host:ctr[:ro]` */
export function parseBind(spec: string): { source: string; destination: string; readonly: boolean } {
  const [source, destination, mode] = spec.split(":");
  if (!source?.startsWith("/") || !destination?.startsWith("/")) throw new Error(`invalid volume "${spec}": use -v /host/path:/container/path[:ro]`);
  return { source, destination, readonly: mode === "ro" };
}

function update(rt: Runtime, id: string, change: (r: ContainerRecord) => void): ContainerRecord | undefined {
  using _lock = rt.containers.lock(id);
  const r = rt.containers.read(id);
  if (r === undefined) return undefined;
  change(r);
  rt.containers.write(r);
  return r;
}

/**
 * Run the container under a monitor in this process (foreground run, shim), again after each
 * end while its restart policy says so and nobody stopped it; returns the last exit status.
 */
export async function superviseHere(rt: Runtime, id: string, tee?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<ExitStatus> {
  // Register this monitor under the container's lock; a container removed meanwhile is not started.
  const rec = update(rt, id, (r) => (r.state.shimPid = process.pid));
  if (rec === undefined) return { exitCode: 127, oomKilled: false };
  let status: ExitStatus;
  let after: ContainerRecord | undefined;
  for (;;) {
    const ran = await monitor({
      id,
      containerDir: rt.containers.path(id),
      runc: rt.runc,
      ...(tee ? { tee } : {}),
      interactive: rec.config.interactive,
      tty: rec.config.tty,
      cgroupsPath: cgroupsPath(id),
      onStart: (pid) => void update(rt, id, (r) => Object.assign(r.state, { status: "running", pid, startedAt: new Date().toISOString() })),
    });
    status = ran;
    after = update(rt, id, (r) => {
      const again = shouldRestart(r.hostConfig.restartPolicy, ran.exitCode, r.state.restartCount ?? 0, r.state.stopRequested === true);
      r.state = { ...r.state, status: again ? "restarting" : "exited", exitCode: ran.exitCode, oomKilled: ran.oomKilled, finishedAt: new Date().toISOString() };
      delete r.state.pid;
      if (!again) delete r.state.shimPid;
    });
    if (after?.state.status !== "restarting") break;
    await new Promise((res) => setTimeout(res, restartDelayMs(after?.state.restartCount ?? 0)));
    // A stop during the back-off ends it here; otherwise the count goes up and it runs again.
    after = update(rt, id, (r) => {
      if (r.state.stopRequested) {
        r.state.status = "exited";
        delete r.state.shimPid;
      } else r.state.restartCount = (r.state.restartCount ?? 0) + 1;
    });
    if (after === undefined || after.state.status === "exited") break;
  }
  // The monitor has already deleted runc's state: --rm tears down the rest without asking runc again.
  if (after?.hostConfig.autoRemove) {
    using _lock = rt.containers.lock(id);
    await teardown(rt, after, { runcGone: true });
  }
  return status;
}

/** Start a detached monitor (`berth shim ID`) and wait until the container runs (or has already exited). */
export async function startDetached(rt: Runtime, id: string): Promise<ContainerRecord> {
  update(rt, id, (r) => {
    Object.assign(r.state, { status: "created", startedAt: undefined });
    delete r.state.stopRequested;
  });
  const child = spawn(rt.self, ["--root", rt.root, "shim", id], { detached: true, stdio: "ignore" });
  child.unref();
  update(rt, id, (r) => (r.state.shimPid = child.pid));
  for (let i = 0; i < 2000; i++) {
    const r = rt.containers.read(id);
    if (r === undefined) throw new Error(`container ${id.slice(0, 12)} vanished while starting (run with --rm and already exited?)`);
    if (r.state.status === "running" || r.state.status === "restarting" || r.state.status === "exited") return r;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error(`container ${id.slice(0, 12)} did not start within 10 s: see 'berth logs ${id.slice(0, 12)}'`);
}

/**
 * docker stop: SIGTERM, then SIGKILL after `timeoutSec`; waits until the monitor recorded the
 * exit. The stop is recorded first, so the restart policy does not bring the container back.
 */
export async function stopContainer(rt: Runtime, id: string, timeoutSec = 10, signal = "TERM"): Promise<void> {
  const live = (s: string | undefined) => s === "running" || s === "restarting";
  const rec = update(rt, id, (r) => {
    if (live(r.state.status)) r.state.stopRequested = true;
  });
  if (rec === undefined || !live(rec.state.status)) return;
  if (rec.state.status === "running") rt.runc.kill(id, signal);
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (!live(rt.containers.read(id)?.state.status)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  rt.runc.kill(id, "KILL");
  for (let i = 0; i < 500 && live(rt.containers.read(id)?.state.status); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Record that the container was stopped by hand (kill): its restart policy leaves it alone. */
export function markStopRequested(rt: Runtime, id: string): void {
  update(rt, id, (r) => (r.state.stopRequested = true));
}

/** Everything the container holds, released; each step tolerates what is already gone. */
async function teardown(rt: Runtime, rec: ContainerRecord, opts: { runcGone?: boolean } = {}): Promise<void> {
  const errors: Error[] = [];
  const step = async (fn: () => void | Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(err as Error);
    }
  };
  if (!opts.runcGone) await step(() => rt.runc.delete(rec.id, true));
  await step(() => releaseLinkedPairs(rt.net, rec));
  await step(() => detachNetwork(rt.net, rec));
  mark("network detached");
  await step(() => releaseRootfs(rt.containers.path(rec.id)));
  mark("rootfs released");
  await step(() => {
    const left = removeCgroups(cgroupsPath(rec.id));
    if (left.length > 0) throw new Error(`cgroups still busy: ${left.join(", ")}`);
  });
  mark("torn down");
  if (errors.length === 0) rt.containers.remove(rec);
  else throw new Error(`container ${rec.id.slice(0, 12)}: cleanup incomplete (run 'berth rm -f ${rec.name}' again): ${errors.map((e) => e.message).join("; ")}`);
}

/** docker rm [-f]: refuses a running container without force. */
export async function removeContainer(rt: Runtime, ref: string, force: boolean): Promise<ContainerRecord> {
  const id = rt.containers.get(ref).id;
  using _lock = rt.containers.lock(id);
  // Read again under the lock: a detached monitor registers itself under it.
  const rec = rt.containers.get(id);
  const live = rt.runc.state(rec.id);
  if (live?.status === "running" && !force) throw new Error(`cannot remove running container ${rec.name}: stop it first, or use 'berth rm -f ${rec.name}'`);
  // The monitor's whole process group first (it and a `runc run` that may still be starting the
  // container), so nothing can start after the runc state below is deleted.
  const shim = rec.state.shimPid;
  const shimAlive = shim !== undefined && alive(shim);
  if (shimAlive) {
    for (const target of [-shim, shim]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  if (live !== undefined) rt.runc.kill(rec.id, "KILL");
  await teardown(rt, rec, { runcGone: live === undefined && !shimAlive });
  return rec;
}

/**
 * At the start of any command: containers whose monitor died while they "ran" are marked exited
 * (and removed when --rm), and the CNI attachments of containers that no longer exist are
 * garbage-collected network by network.
 */
export async function collectGarbage(rt: Runtime): Promise<void> {
  for (const rec of rt.containers.list()) {
    // Only a "running" container whose monitor is gone needs a look (runc is asked then only:
    // a process per container would make every command slower as the host fills up).
    if (rec.state.status !== "running" && rec.state.status !== "restarting") continue;
    if (rec.state.shimPid !== undefined && alive(rec.state.shimPid)) continue;
    if (rt.runc.state(rec.id)?.status !== "running") {
      const r = update(rt, rec.id, (x) => Object.assign(x.state, { status: "exited", exitCode: x.state.exitCode ?? 137, finishedAt: new Date().toISOString() }));
      if (r?.hostConfig.autoRemove) {
        try {
          await removeContainer(rt, rec.id, true);
        } catch {
          // Next command tries again.
        }
      }
    }
  }
  rt.containers.collectOrphans(30_000);
  // Attachments cached for containers that no longer exist (a command killed between the CNI
  // ADD and its record, a record removed by hand): DEL each from its cache entry, as libcni's GC.
  const ids = new Set(rt.containers.ids());
  for (const list of rt.net.networks.list()) {
    for (const e of rt.net.cni.cache.list(list.name)) {
      if (ids.has(e.containerId)) continue;
      try {
        await rt.net.cni.del(list, { containerId: e.containerId, netns: e.netns, ifname: e.ifName, args: e.cniArgs, capabilityArgs: e.capabilityArgs });
      } catch {
        // Best effort; the next command retries.
      }
    }
  }
}

/** Whether a process (a monitor) still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The OCI runtime spec (config.json) berth hands to runc for one container: Docker's defaults —
 * its capability set, masked and read-only paths, device rules, mounts — plus what `berth run`
 * asked for (process, user, bind mounts, the DNS files, namespaces, cgroup resources).
 */
export interface ImageProcessConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface RunOptions {
  id: string;
  rootfs: string;
  /** The image's config (Entrypoint, Cmd, Env, WorkingDir, User). */
  image: ImageProcessConfig;
  /** `--entrypoint` ("" clears the image's), and the command after the image name. */
  entrypoint?: string;
  command: string[];
  env: string[];
  workdir?: string;
  /** uid and gid already resolved (see user.ts). */
  user: { uid: number; gid: number; additionalGids?: number[] };
  terminal: boolean;
  hostname: string;
  /** The container's network namespace (a path), or "host" to share the host's. */
  netns: string | "host";
  /** Extra bind mounts (`-v host:ctr[:ro]`), and the DNS files (hosts, resolv.conf, hostname). */
  binds: { source: string; destination: string; readonly: boolean }[];
  resources: { memoryBytes?: number; cpus?: number; cpuShares?: number; pidsLimit?: number };
  /** The cgroup path runc creates (relative to each controller root on v1). */
  cgroupsPath: string;
  /** RLIMIT_NOFILE to give, never above the caller's hard limit. */
  nofile: number;
}

/** Docker's default capability set. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

export const MASKED_PATHS = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];

export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Docker's rule: --entrypoint replaces the image's (and drops its Cmd unless a command is given). */
export function processArgs(image: ImageProcessConfig, entrypoint: string | undefined, command: string[]): string[] {
  const ep = entrypoint === undefined ? (image.Entrypoint ?? []) : entrypoint === "" ? [] : [entrypoint];
  const cmd = command.length > 0 ? command : entrypoint === undefined ? (image.Cmd ?? []) : [];
  return [...ep, ...cmd];
}

/** Image env, then PATH if the image has none, HOSTNAME, then -e (later wins, by name). */
export function processEnv(image: ImageProcessConfig, hostname: string, given: string[], terminal: boolean): string[] {
  const out = new Map<string, string>();
  const put = (kv: string) => out.set(kv.split("=")[0] ?? kv, kv);
  if (!(image.Env ?? []).some((e) => e.startsWith("PATH="))) put(DEFAULT_PATH);
  put(`HOSTNAME=${hostname}`);
  for (const e of image.Env ?? []) put(e);
  if (terminal) put("TERM=xterm");
  for (const e of given) put(e);
  return [...out.values()];
}

function device(type: "c", major: number, minor: number) {
  return { allow: true, type, major, minor, access: "rwm" };
}

export function buildSpec(o: RunOptions): Record<string, unknown> {
  const args = processArgs(o.image, o.entrypoint, o.command);
  if (args.length === 0) throw new Error(`container ${o.id}: no command to run: the image has no Cmd or Entrypoint, give one after the image name`);
  const caps = DEFAULT_CAPABILITIES;
  const cpu: Record<string, number> = {};
  if (o.resources.cpus !== undefined) Object.assign(cpu, { period: 100_000, quota: Math.round(o.resources.cpus * 100_000) });
  if (o.resources.cpuShares !== undefined) cpu.shares = o.resources.cpuShares;
  const namespaces: Record<string, string>[] = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  if (o.netns !== "host") namespaces.push({ type: "network", path: o.netns });
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: o.terminal,
      user: { uid: o.user.uid, gid: o.user.gid, ...(o.user.additionalGids?.length ? { additionalGids: o.user.additionalGids } : {}) },
      args,
      env: processEnv(o.image, o.hostname, o.env, o.terminal),
      cwd: o.workdir ?? (o.image.WorkingDir || "/"),
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: o.nofile, soft: o.nofile }],
      noNewPrivileges: false,
    },
    root: { path: o.rootfs, readonly: false },
    hostname: o.netns === "host" ? undefined : o.hostname,
    mounts: [
      { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
      ...o.binds.map((b) => ({ destination: b.destination, type: "bind", source: b.source, options: ["rbind", "rprivate", ...(b.readonly ? ["ro"] : [])] })),
    ],
    linux: {
      namespaces,
      cgroupsPath: o.cgroupsPath,
      resources: {
        devices: [
          { allow: false, access: "rwm" },
          device("c", 1, 3), device("c", 1, 5), device("c", 1, 7), device("c", 1, 8), device("c", 1, 9),
          device("c", 5, 0), device("c", 5, 1), device("c", 5, 2), { allow: true, type: "c", major: 136, access: "rwm" },
        ],
        ...(o.resources.memoryBytes !== undefined ? { memory: { limit: o.resources.memoryBytes, swap: o.resources.memoryBytes } } : {}),
        ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
        ...(o.resources.pidsLimit !== undefined ? { pids: { limit: o.resources.pidsLimit } } : {}),
      },
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}

/**
 * The container's cgroups, cleaned up by berth itself as the last step of removal: runc deletes
 * them with its state, but a `runc run` killed while creating the container leaves directories
 * (and possibly a process) that runc no longer knows. Every hierarchy is visited — cgroup v1
 * controllers and the v2 tree (these machines are hybrid) — processes still inside are killed,
 * then the empty directories removed.
 */
import { readFileSync, readdirSync, rmdirSync } from "node:fs";

const ROOT = "/sys/fs/cgroup";

/** `<hierarchy>/<cgroupsPath>` of every mounted hierarchy that has it. */
function containerDirs(cgroupsPath: string): string[] {
  const dirs: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(ROOT);
  } catch {
    return dirs;
  }
  // v2 (unified at the root, or under "unified" on hybrid hosts) and each v1 controller.
  for (const base of [ROOT, ...entries.map((e) => `${ROOT}/${e}`)]) {
    try {
      readdirSync(`${base}${cgroupsPath}`);
      dirs.push(`${base}${cgroupsPath}`);
    } catch {
      // not in this hierarchy
    }
  }
  return dirs;
}

function pids(dir: string): number[] {
  try {
    return readFileSync(`${dir}/cgroup.procs`, "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kill what is left in the container's cgroups and remove them; returns the directories left. */
export function removeCgroups(cgroupsPath: string): string[] {
  const dirs = containerDirs(cgroupsPath);
  for (const dir of dirs) {
    for (const pid of pids(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  const left: string[] = [];
  for (const dir of dirs) {
    let removed = false;
    for (let i = 0; i < 50 && !removed; i++) {
      try {
        rmdirSync(dir);
        removed = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") removed = true;
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // killed processes take a moment to leave
      }
    }
    if (!removed) left.push(dir);
  }
  return left;
}

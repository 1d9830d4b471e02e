/**
 * A snapshot of what tests could leak on the machine: named namespaces, netns bind mounts,
 * links and nftables tables in the machine's own namespace, and berth test directories.
 * The suite compares the snapshot before and after and fails on any difference.
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { NETNS_DIR } from "./netns.ts";
import { PROCESS_TAG, TEST_PREFIX } from "./names.ts";

export interface Snapshot {
  namespaces: string[];
  mounts: string[];
  links: string[];
  nftTables: string[];
  tempDirs: string[];
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export function takeSnapshot(): Snapshot {
  const namespaces = safe(() => readdirSync(NETNS_DIR).sort(), [] as string[]);
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${NETNS_DIR}/`) || m.startsWith("/var/run/netns/") || m.includes("berth-test"))
    .sort();
  const links = safe(
    () =>
      (JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifname: string }[])
        .map((l) => l.ifname)
        .sort(),
    [] as string[],
  );
  const nftTables = safe(
    () =>
      execFileSync("nft", ["list", "tables"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .split("\n")
        .filter(Boolean)
        .sort(),
    [] as string[],
  );
  const tempDirs = safe(
    () => readdirSync(tmpdir()).filter((d) => d.startsWith("berth-test")).sort(),
    [] as string[],
  );
  return { namespaces, mounts, links, nftTables, tempDirs };
}

/**
 * A test namespace made by another process (another test run on the same machine) is not this
 * run's leak: test names carry the making process's tag (names.ts).
 */
function madeElsewhere(nameOrPath: string): boolean {
  const name = nameOrPath.slice(nameOrPath.lastIndexOf("/") + 1);
  return name.startsWith(TEST_PREFIX) && name.length > TEST_PREFIX.length + 3 && !name.includes(PROCESS_TAG);
}

/** Human-readable differences: what exists now that did not before. Empty when clean. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(before) as (keyof Snapshot)[]) {
    const had = new Set(before[key]);
    const extra = after[key].filter((x) => !had.has(x) && !((key === "namespaces" || key === "mounts") && madeElsewhere(x)));
    if (extra.length > 0) problems.push(`${key}: ${extra.join(", ")}`);
  }
  return problems;
}

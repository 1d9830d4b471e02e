/**
 * `berth run --rm` against `podman run --rm` (same image, a bridge network with one published
 * port, the command `true`) and, without a network, against `runc run` alone on a prepared
 * bundle — side by side in one simulated host. p50 of wall time per run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { busyboxRootfsTar } from "../scripts/busybox-rootfs.ts";
import { DIST, TestNetns } from "../test/harness/index.ts";
import { median, ms, ratio, type Row } from "./stats.ts";

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const out = spawnSync(cmd, args, { encoding: "utf8", env });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${out.stderr}`);
  return performance.now() - t0;
}

export function benchRuntime(runs = 10): Row[] {
  const host = TestNetns.create("br");
  const root = mkdtempSync(`${tmpdir()}/berth-bench-rt-`);
  const inHost = (cmd: string, ...args: string[]) => ["nsenter", [`--net=${host.path}`, "--", cmd, ...args]] as const;
  const env = { ...process.env, BERTH_CNI_PATH: `${DIST}/cni` };
  const berth = (...args: string[]) => timed(...inHost(`${DIST}/berth`, "--root", root, ...args), env);
  try {
    host.run("ip", ["link", "set", "lo", "up"]);
    busyboxRootfsTar(`${root}/rootfs.tar`);
    berth("import", `${root}/rootfs.tar`, "bench:latest");
    berth("run", "--rm", "-p", "18080:80", "bench", "true"); // warm: default network, snapshots
    const ours = Array.from({ length: runs }, () => berth("run", "--rm", "-p", "18080:80", "bench", "true"));
    const oursNone = Array.from({ length: runs }, () => berth("run", "--rm", "--net=none", "bench", "true"));
    // runc alone: a bundle on the same busybox tree, no network namespace work beyond runc's own.
    const bundle = `${root}/bundle`;
    mkdirSync(`${bundle}/rootfs`, { recursive: true });
    spawnSync("tar", ["-C", `${bundle}/rootfs`, "-xf", `${root}/rootfs.tar`]);
    spawnSync("runc", ["spec", "-b", bundle]);
    const spec = JSON.parse(spawnSync("cat", [`${bundle}/config.json`], { encoding: "utf8" }).stdout) as { process: { terminal: boolean; args: string[] } };
    spec.process.terminal = false;
    spec.process.args = ["true"];
    writeFileSync(`${bundle}/config.json`, JSON.stringify(spec));
    const runcRoot = `${root}/runc-bench`;
    const bare = Array.from({ length: runs }, (_, i) => timed(...inHost("runc", "--root", runcRoot, "run", "-b", bundle, `bench-${i}`)));
    const rows: Row[] = [
      { what: "berth run --rm --net=none true (p50)", berth: ms(median(oursNone)), reference: `runc ${ms(median(bare))}`, ratio: `+${(median(oursNone) - median(bare)).toFixed(1)} ms`, note: "goal: overhead <= 20 ms over runc" },
    ];
    const podman = spawnSync("podman", ["--version"], { encoding: "utf8" });
    if (podman.status === 0) {
      spawnSync("sh", ["-c", `${DIST}/berth --root ${root} save bench:latest | podman load -q`]);
      const flags = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"];
      timed(...inHost("podman", "run", "--rm", ...flags, "-p", "18081:80", "docker.io/library/bench:latest", "true"));
      const theirs = Array.from({ length: runs }, () => timed(...inHost("podman", "run", "--rm", ...flags, "-p", "18081:80", "docker.io/library/bench:latest", "true")));
      rows.unshift({ what: "run --rm, bridge + one published port, true (p50)", berth: ms(median(ours)), reference: `podman ${ms(median(theirs))}`, ratio: ratio(median(ours), median(theirs)), note: "goal <= 0.25x" });
      spawnSync("podman", ["rmi", "-f", "docker.io/library/bench:latest"]);
    } else {
      rows.unshift({ what: "run --rm, bridge + one published port, true (p50)", berth: ms(median(ours)), reference: "podman missing", ratio: "", note: "install podman for the ratio" });
    }
    return rows;
  } finally {
    spawnSync("nsenter", [`--net=${host.path}`, "--", `${DIST}/berth`, "--root", root, "rm", "-f", ...spawnSync("nsenter", [`--net=${host.path}`, "--", `${DIST}/berth`, "--root", root, "ps", "-aq"], { encoding: "utf8", env }).stdout.split("\n").filter(Boolean)], { env });
    host.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

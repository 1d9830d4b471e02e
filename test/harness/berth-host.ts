/**
 * An end-to-end fixture for `berth run`: a simulated host namespace (with an "outside" namespace
 * as the internet, as in NatEnv) and a private berth root; the berth binary runs inside the host
 * with `nsenter --net` (not `ip netns exec`, which remounts /sys and hides the cgroups runc
 * needs). A busybox image is made from Debian's busybox-static.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { busyboxRootfsTar } from "../../scripts/busybox-rootfs.ts";
import { DIST } from "./plugin.ts";
import { HOST_WAN, OUTSIDE } from "./nat-env.ts";
import { TestNetns } from "./netns.ts";
import { fetchFrom, udpFrom } from "./traffic.ts";

export interface BerthOutput {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class BerthHost {
  readonly host: TestNetns;
  readonly outside: TestNetns;
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(`${tmpdir()}/berth-test-e2e-`);
    this.host = TestNetns.create("eh");
    this.outside = TestNetns.create("ex");
    this.host.run("ip", ["link", "set", "lo", "up"]);
    this.host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", this.outside.path]);
    this.host.run("ip", ["addr", "add", `${HOST_WAN}/24`, "dev", "up0"]);
    this.host.run("ip", ["link", "set", "up0", "up"]);
    this.outside.run("ip", ["addr", "add", `${OUTSIDE}/24`, "dev", "wan0"]);
    this.outside.run("ip", ["link", "set", "wan0", "up"]);
    this.outside.run("ip", ["link", "set", "lo", "up"]);
  }

  /** `berth ARGS` inside the simulated host. */
  berth(args: string[], input?: string, timeoutMs = 60_000): BerthOutput {
    const out = spawnSync("nsenter", [`--net=${this.host.path}`, "--", `${DIST}/berth`, "--root", this.root, ...args], {
      input,
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, BERTH_CNI_PATH: `${DIST}/cni` },
    });
    return { status: out.status, stdout: out.stdout, stderr: out.stderr };
  }

  /** Like berth(), failing the test with berth's stderr when it does not exit 0. */
  ok(args: string[], input?: string): string {
    const out = this.berth(args, input);
    if (out.status !== 0) throw new Error(`berth ${args.join(" ")} exited ${out.status}: ${out.stderr}`);
    return out.stdout;
  }

  /** Import busybox-static as NAME with every applet linked, plus Docker-style changes (EXPOSE, CMD). */
  importBusybox(name = "busybox:latest", changes: string[] = ['CMD ["sh"]']): void {
    const dir = mkdtempSync(`${tmpdir()}/berth-test-bb-`);
    try {
      busyboxRootfsTar(`${dir}/rootfs.tar`);
      this.ok(["import", `${dir}/rootfs.tar`, name, ...changes.flatMap((c) => ["--change", c])]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** GET from inside a namespace: the body, or "FAIL" when nothing answers within 2 s. */
  fetch(ns: TestNetns, url: string): string {
    return fetchFrom(ns, url, 2000);
  }

  /** One UDP request from inside a namespace: the answer, or "FAIL". */
  udp(ns: TestNetns, host: string, port: number): string {
    return udpFrom(ns, host, port);
  }

  /** What berth leaves behind: namespaces it made, mounts under its root, cgroups, runc state. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const n of readdirSync("/run/netns")) if (n.startsWith("berth-")) out.push(`netns ${n}`);
    for (const line of spawnSync("cat", ["/proc/self/mounts"], { encoding: "utf8" }).stdout.split("\n")) if (line.includes(this.root)) out.push(`mount ${line.split(" ")[1]}`);
    for (const c of ["memory", "pids", "cpu"]) {
      try {
        for (const d of readdirSync(`/sys/fs/cgroup/${c}/berth`, { withFileTypes: true })) if (d.isDirectory()) out.push(`cgroup ${c}/berth/${d.name}`);
      } catch {
        // none
      }
    }
    try {
      for (const d of readdirSync(`${this.root}/containers`)) if (/^[0-9a-f]{64}$/.test(d)) out.push(`container ${d}`);
    } catch {
      // none
    }
    return out;
  }

  destroy(): void {
    const ids = this.berth(["ps", "-a", "-q"]).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) this.berth(["rm", "-f", ...ids]);
    this.outside.destroy();
    this.host.destroy();
    rmSync(this.root, { recursive: true, force: true });
  }
}

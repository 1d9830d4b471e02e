/**
 * A bridge-network fixture for black-box tests: a simulated host, N container namespaces, and a
 * temporary state/IPAM directory, plus helpers to run berth's (or the reference) plugins.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, execPluginAsync, type PluginCall, type PluginOutput } from "./plugin.ts";
import type { ChildProcess } from "node:child_process";
import { TestNetns } from "./netns.ts";
import { uniqueName } from "./names.ts";

export const REFERENCE_BIN = "/usr/lib/cni";

export class BridgeEnv {
  readonly host: TestNetns;
  readonly containers: TestNetns[] = [];
  readonly dir: string;
  readonly bridge: string;

  constructor(containers: number) {
    this.dir = mkdtempSync(`${tmpdir()}/berth-test-bridge-`);
    this.host = TestNetns.create("h");
    this.bridge = uniqueName("br");
    try {
      for (let i = 0; i < containers; i++) this.containers.push(TestNetns.create("c"));
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  ctr(i: number): TestNetns {
    const c = this.containers[i];
    if (c === undefined) throw new Error(`no container ${i}`);
    return c;
  }

  /** A bridge + host-local config on this fixture's bridge and directories. */
  conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: "1.1.0",
      name: "testnet",
      type: "bridge",
      bridge: this.bridge,
      isGateway: true,
      stateDir: `${this.dir}/state`,
      ipam: { type: "host-local", dataDir: `${this.dir}/ipam`, ranges: [[{ subnet: "10.88.0.0/24" }]], ...ipam },
      ...extra,
    };
  }

  run(command: string, i: number, conf: Record<string, unknown>, over: Partial<PluginCall> = {}, plugin = "bridge"): PluginOutput {
    return execPlugin(plugin, {
      command,
      containerId: `ctr-${i}`,
      netns: this.containers[i]?.path,
      ifname: "eth0",
      stdin: conf,
      host: this.host,
      ...over,
    });
  }

  runAsync(command: string, i: number, conf: Record<string, unknown>, onSpawn?: (c: ChildProcess) => void, over: Partial<PluginCall> = {}) {
    return execPluginAsync(
      typeof conf.type === "string" ? conf.type : "bridge",
      { command, containerId: `ctr-${i}`, netns: this.containers[i]?.path, ifname: "eth0", stdin: conf, host: this.host, ...over },
      onSpawn,
    );
  }

  destroy(): void {
    for (const c of this.containers) c.destroy();
    this.host.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * berth as a CNI runtime (runtime/cni) driving berth's plugins from a conflist, exactly as
 * containerd or Podman would: bridge (ipMasq) → portmap → firewall → dnsfiles, with results
 * cached in libcni's format, DEL from the cache, CHECK, and GC of attachments whose containers
 * are gone. The plugins run inside a simulated host (the runner enters its namespace).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CniRuntime, parseConfigList, type PluginRunner } from "../../runtime/cni/index.ts";
import { CNI_BIN, HOST_WAN, NatEnv, OUTSIDE, ping } from "../harness/index.ts";

let env: NatEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});

function setup(e: NatEnv) {
  const runner: PluginRunner = (path, procEnv, stdin) => {
    const out = spawnSync("nsenter", [`--net=${e.host.path}`, "--", path], { env: procEnv, input: stdin, encoding: "utf8" });
    return { status: out.status ?? 128, stdout: out.stdout, stderr: out.stderr };
  };
  const list = parseConfigList(
    JSON.stringify({
      cniVersion: "1.1.0",
      name: "web",
      plugins: [
        { type: "bridge", bridge: e.bridge, isGateway: true, isDefaultGateway: true, ipMasq: true, stateDir: `${e.dir}/state`, ipam: { type: "host-local", dataDir: `${e.dir}/ipam`, ranges: [[{ subnet: "10.88.0.0/24" }]] } },
        { type: "portmap", stateDir: `${e.dir}/state`, capabilities: { portMappings: true } },
        { type: "firewall", stateDir: `${e.dir}/state` },
        { type: "dnsfiles", stateDir: `${e.dir}/state`, capabilities: { dnsFiles: true, dns: true } },
      ],
    }),
  );
  return { runtime: new CniRuntime({ pluginDirs: [CNI_BIN], cacheDir: `${e.dir}/cache`, runner }), list };
}

describe("runtime/cni driving a conflist", () => {
  it("ADD runs the chain with prevResults and caches the result; the published port, masquerade and DNS files all work; DEL cleans up from the cache", async () => {
    env = new NatEnv(2);
    const e = env;
    const { runtime, list } = setup(e);
    const files = `${e.dir}/files0`;
    mkdirSync(files);
    const rt0 = { containerId: "ctr-0", netns: e.ctr(0).path, ifname: "eth0", capabilityArgs: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: "tcp" }], dnsFiles: { dir: files, hostname: "web" }, dns: { servers: ["10.254.0.53"] } } };
    const result = await runtime.add(list, rt0);
    expect(result.cniVersion).toBe("1.1.0");
    expect((result.ips as { address: string }[])[0]?.address).toBe("10.88.0.2/24");
    expect((result.dns as { nameservers: string[] }).nameservers).toEqual(["10.254.0.53"]);
    expect(readFileSync(`${files}/hosts`, "utf8")).toMatch(/10\.88\.0\.2\s+web/);
    const cached = JSON.parse(readFileSync(`${e.dir}/cache/results/web-ctr-0-eth0`, "utf8")) as { kind: string; config: string; result: unknown };
    expect(cached.kind).toBe("cniCacheV1");
    expect(JSON.parse(Buffer.from(cached.config, "base64").toString()).name).toBe("web");
    e.serve(e.ctr(0), 8080, "web");
    expect(e.fetch(e.outside, HOST_WAN, 18080)).toBe(`web ${OUTSIDE}`);
    expect(ping(e.ctr(0), OUTSIDE)).toBe(true);
    await runtime.check(list, rt0);
    // DEL with only the identity: portMappings, DNS dir and prevResult come from the cache.
    await runtime.del(list, { containerId: "ctr-0", netns: e.ctr(0).path, ifname: "eth0" });
    expect(existsSync(`${files}/hosts`)).toBe(false);
    expect(e.elements("pm4_any")).toBe(0);
    expect(e.ctr(0).linkNames()).toEqual(["lo"]);
    expect(readdirSync(`${e.dir}/cache/results`)).toEqual([]);
    // DEL again: nothing left, still success.
    await runtime.del(list, { containerId: "ctr-0", netns: e.ctr(0).path, ifname: "eth0" });
  });

  it("GC deletes the attachments of containers that are gone, from their cache entries, and keeps the valid ones", async () => {
    env = new NatEnv(2);
    const e = env;
    const { runtime, list } = setup(e);
    for (const i of [0, 1]) {
      mkdirSync(`${e.dir}/files${i}`);
      await runtime.add(list, { containerId: `ctr-${i}`, netns: e.ctr(i).path, ifname: "eth0", capabilityArgs: { portMappings: [{ hostPort: 18080 + i, containerPort: 80, protocol: "tcp" }], dnsFiles: { dir: `${e.dir}/files${i}` } } });
    }
    expect(e.elements("pm4_any")).toBe(2);
    await runtime.gc(list, [{ containerID: "ctr-1", ifname: "eth0" }]);
    expect(e.elements("pm4_any")).toBe(1);
    expect(e.ctr(0).linkNames()).toEqual(["lo"]);
    expect(e.ctr(1).linkNames()).toContain("eth0");
    expect(readdirSync(`${e.dir}/cache/results`)).toEqual(["web-ctr-1-eth0"]);
    expect(ping(e.ctr(1), "10.88.0.1")).toBe(true);
    await runtime.status(list);
    await runtime.del(list, { containerId: "ctr-1", netns: e.ctr(1).path, ifname: "eth0" });
    expect(e.elements("pm4_any")).toBe(0);
  });

  it("a failing plugin is reported naming it, with its code", async () => {
    env = new NatEnv(1);
    const e = env;
    const { runtime } = setup(e);
    const list = parseConfigList(JSON.stringify({ cniVersion: "1.1.0", name: "broken", plugins: [{ type: "bridge", bridge: e.bridge, ipam: { type: "host-local", ranges: [[{ subnet: "not-a-subnet" }]] } }] }));
    await expect(runtime.add(list, { containerId: "c", netns: e.ctr(0).path, ifname: "eth0" })).rejects.toThrow(/plugin type="bridge" failed \(add\)/);
    await expect(runtime.add({ ...list, plugins: [{ type: "nosuchplugin" }] }, { containerId: "c", netns: e.ctr(0).path, ifname: "eth0" })).rejects.toThrow(/failed to find plugin "nosuchplugin"/);
  });
});

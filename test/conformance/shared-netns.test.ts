/**
 * host and container: sharing an existing network namespace through CNI_NETNS, black-box in a
 * simulated host. The "container's" namespace file is a TestNetns the runtime (the test) made.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { BridgeEnv, TestNetns, execPlugin, type PluginCall } from "../harness/index.ts";

let host: TestNetns;
let ctr: TestNetns;
let dir: string;
const extra: TestNetns[] = [];
const children: ChildProcess[] = [];
beforeEach(() => {
  host = TestNetns.create("h");
  ctr = TestNetns.create("c");
  dir = mkdtempSync(`${tmpdir()}/berth-test-share-`);
  host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "up1"]);
  host.run("ip", ["addr", "add", "10.80.0.1/24", "dev", "up0"]);
  host.run("ip", ["link", "set", "up0", "up"]);
  writeFileSync(`${dir}/resolv.conf`, "nameserver 10.80.0.53\nsearch example.test\n");
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill("SIGKILL");
    await new Promise((r) => c.once("exit", r));
  }
  for (const n of extra.splice(0)) n.destroy();
  ctr.destroy();
  host.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function call(plugin: string, conf: object, over: Partial<PluginCall> = {}) {
  return execPlugin(plugin, {
    command: "ADD",
    containerId: "ctr-s",
    netns: ctr.path,
    ifname: "eth0",
    stdin: { cniVersion: "1.1.0", name: "sharenet", type: plugin, stateDir: `${dir}/state`, ...conf },
    host,
    ...over,
  });
}

/** A process sleeping inside `ns`; resolves once it has really joined that namespace. */
async function sleeper(ns: TestNetns): Promise<ChildProcess> {
  const child = spawn("nsenter", [`--net=${ns.path}`, "--", "sleep", "30"], { stdio: "ignore" });
  children.push(child);
  const target = statSync(ns.path).ino;
  for (let i = 0; i < 100; i++) {
    try {
      if (statSync(`/proc/${child.pid}/ns/net`).ino === target) return child;
    } catch {
      // Not started yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The sleeper never joined ${ns.path}`);
}

describe("host", () => {
  it("binds the host's namespace at CNI_NETNS, reports its interfaces, addresses and DNS; DEL puts a fresh one back", () => {
    const out = call("host", { resolvConf: `${dir}/resolv.conf` });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(ctr.linkNames()).toContain("up0"); // the container's namespace file now is the host's
    const ifaces = out.json?.interfaces as { name: string }[];
    expect(ifaces.map((i) => i.name)).toEqual(expect.arrayContaining(["lo", "up0", "up1"]));
    const up0 = ifaces.findIndex((i) => i.name === "up0");
    expect(out.json?.ips).toEqual(expect.arrayContaining([{ address: "10.80.0.1/24", interface: up0 }]));
    expect(out.json?.dns).toEqual({ nameservers: ["10.80.0.53"], search: ["example.test"] });
    // A process started in the namespace now is on the host: it reaches the "outside" namespace.
    const outside = TestNetns.create("x");
    extra.push(outside);
    host.run("ip", ["link", "set", "up1", "netns", outside.path]);
    outside.run("ip", ["addr", "add", "10.80.0.2/24", "dev", "up1"]);
    outside.run("ip", ["link", "set", "up1", "up"]);
    expect(ctr.run("ping", ["-c", "1", "-W", "2", "10.80.0.2"])).toMatch(/1 received/);
    const del = call("host", {}, { command: "DEL" });
    expect(del.status, del.stdout).toBe(0);
    expect(ctr.linkNames()).toEqual(["lo"]);
    expect(host.linkNames()).toContain("up0"); // DEL never touches the host's interfaces
    expect((host.ipJson(["addr", "show", "up0"]) as { addr_info: { local: string }[] }[])[0]?.addr_info.map((a) => a.local)).toContain("10.80.0.1");
    expect(host.run("ping", ["-c", "1", "-W", "2", "10.80.0.2"])).toMatch(/1 received/);
    expect(call("host", {}, { command: "DEL" }).status).toBe(0);
  });

  it("GC of a stale host attachment puts a fresh namespace back; a live one is kept", () => {
    expect(call("host", {}).status).toBe(0);
    const gcCall = { containerId: undefined, netns: undefined, ifname: undefined, command: "GC" };
    const keep = call("host", { "cni.dev/valid-attachments": [{ containerID: "ctr-s", ifname: "eth0" }] }, gcCall);
    expect(keep.status, keep.stdout).toBe(0);
    expect(ctr.linkNames()).toContain("up0");
    const collect = call("host", { "cni.dev/valid-attachments": [] }, gcCall);
    expect(collect.status, collect.stdout).toBe(0);
    expect(ctr.linkNames()).toEqual(["lo"]);
    expect(host.linkNames()).toContain("up0");
  });

  it("changes nothing when CNI_NETNS already is the host's namespace", () => {
    const out = call("host", {}, { netns: host.path });
    expect(out.status, out.stdout).toBe(0);
    expect(call("host", {}, { command: "CHECK", netns: host.path, stdin: { cniVersion: "1.1.0", name: "sharenet", type: "host", stateDir: `${dir}/state`, prevResult: out.json } }).status).toBe(0);
    expect(call("host", {}, { command: "DEL", netns: host.path }).status).toBe(0);
    expect(host.linkNames()).toContain("up0");
  });

  it("refuses a live process's namespace (/proc/PID/ns/net) and a namespace a process already joined", async () => {
    const other = TestNetns.create("o");
    extra.push(other);
    const proc = await sleeper(other);
    const viaProc = call("host", {}, { netns: `/proc/${proc.pid}/ns/net` });
    expect(viaProc.json?.code).toBeGreaterThanOrEqual(100);
    expect(viaProc.json?.details).toMatch(/not a bind-mounted namespace file/);
    const joined = await sleeper(ctr);
    const busy = call("host", {});
    expect(busy.json?.code).toBeGreaterThanOrEqual(100);
    expect(busy.json?.details).toMatch(new RegExp(`processes .*${joined.pid}`));
    expect(ctr.linkNames()).toEqual(["lo"]);
  });
});

describe("container", () => {
  it("joins another namespace named by `netns`; DEL leaves the target working", () => {
    const target = TestNetns.create("t");
    extra.push(target);
    target.run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth9"]);
    target.run("ip", ["addr", "add", "10.81.0.5/24", "dev", "eth0"]);
    const out = call("container", { netns: target.path });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(ctr.linkNames().sort()).toEqual(["eth0", "eth9", "lo"]);
    expect(out.json?.ips).toEqual([expect.objectContaining({ address: "10.81.0.5/24" })]);
    expect(call("container", { netns: target.path }, { command: "DEL" }).status).toBe(0);
    expect(ctr.linkNames()).toEqual(["lo"]);
    expect(target.linkNames().sort()).toEqual(["eth0", "eth9", "lo"]);
  });

  it("a second container joined to the first reaches the first's server on 127.0.0.1, and DEL leaves the first intact", async () => {
    const first = TestNetns.create("t");
    extra.push(first);
    first.run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth9"]);
    first.run("ip", ["addr", "add", "10.82.0.5/24", "dev", "eth0"]);
    const server = spawn("nsenter", [`--net=${first.path}`, "--", process.execPath, "-e",
      'require("node:http").createServer((q, r) => r.end("hello from the first")).listen(18080, "127.0.0.1")'], { stdio: "ignore" });
    children.push(server);
    first.waitForPort("127.0.0.1", 18080);
    const out = call("container", { netns: first.path });
    expect(out.status, out.stdout).toBe(0);
    const fetchScript = 'fetch("http://127.0.0.1:18080").then(r => r.text()).then(t => process.stdout.write(t))';
    expect(ctr.run(process.execPath, ["-e", fetchScript])).toBe("hello from the first");
    expect(call("container", { netns: first.path }, { command: "DEL" }).status).toBe(0);
    expect(ctr.linkNames()).toEqual(["lo"]);
    expect(first.linkNames().sort()).toEqual(["eth0", "eth9", "lo"]);
    expect(first.run(process.execPath, ["-e", fetchScript])).toBe("hello from the first");
  });

  it("joins a container by its ID (from berth's attachment records) and by pid", async () => {
    const env = new BridgeEnv(1);
    try {
      const conf = { ...env.conf(), stateDir: `${dir}/state` };
      const add = env.run("ADD", 0, conf);
      expect(add.status, add.stdout).toBe(0);
      const byId = call("container", { container: "ctr-0" });
      expect(byId.status, byId.stdout).toBe(0);
      expect(byId.json?.ips).toEqual([expect.objectContaining({ address: "10.88.0.2/24" })]);
      expect(ctr.linkNames()).toContain("eth0");
      expect(call("container", { container: "ctr-0" }, { command: "DEL" }).status).toBe(0);
      const proc = await sleeper(env.ctr(0));
      const byPid = call("container", { pid: proc.pid });
      expect(byPid.status, byPid.stdout).toBe(0);
      expect(ctr.linkNames()).toContain("eth0");
      expect(call("container", { pid: proc.pid }, { command: "DEL" }).status).toBe(0);
      expect(env.run("DEL", 0, conf).status).toBe(0);
    } finally {
      env.destroy();
    }
  });

  it("names a missing target and changes nothing; wants exactly one of container, netns, pid", () => {
    const missing = call("container", { container: "no-such-ctr" });
    expect(missing.json?.code).toBe(102);
    expect(missing.json?.msg).toMatch(/no-such-ctr/);
    expect(ctr.linkNames()).toEqual(["lo"]);
    expect(call("container", { netns: "/run/netns/berth-nope" }).json?.msg).toMatch(/berth-nope/);
    expect(call("container", {}).json?.code).toBe(7);
    expect(call("container", { netns: "/x", pid: 1 }).json?.code).toBe(7);
  });
});

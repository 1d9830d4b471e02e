/**
 * The interface plugins under load and under failure: parallel ADD/DEL, ADDs killed at random points, and the
 * reference plugins run on the same config for a shape comparison. Counts are bounded here;
 * `make stress` runs the long versions (BERTH_STRESS_SCALE multiplies them).
 */
import { afterEach, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { BridgeEnv, REFERENCE_BIN, type PluginOutput } from "../harness/index.ts";

const SCALE = Number(process.env.BERTH_STRESS_SCALE ?? "1");
const PARALLEL = 50 * SCALE;
const KILL_TRIALS = 30 * SCALE;

let env: BridgeEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
});

const reservations = (e: BridgeEnv) => {
  try {
    return readdirSync(`${e.dir}/ipam/testnet`).filter((f) => /^[0-9a-f.:]+$/.test(f) && f.includes("."));
  } catch {
    return [];
  }
};
const records = (e: BridgeEnv) => {
  try {
    return readdirSync(`${e.dir}/state/testnet`).filter((f) => !f.startsWith("."));
  } catch {
    return [];
  }
};
const hostPorts = (e: BridgeEnv) => e.host.linkNames().filter((n) => n.startsWith("veth"));

describe("bridge under concurrency", () => {
  it(`${PARALLEL} parallel ADDs get ${PARALLEL} distinct addresses; ${PARALLEL} parallel DELs leave nothing`, async () => {
    env = new BridgeEnv(PARALLEL);
    const e = env;
    const conf = e.conf();
    const adds = await Promise.all(e.containers.map((_, i) => e.runAsync("ADD", i, conf)));
    const failures = adds.filter((o) => o.status !== 0).map((o) => o.stdout + o.stderr);
    expect(failures).toEqual([]);
    const addresses = adds.map((o) => (o.json?.ips as { address: string }[])[0]?.address);
    expect(new Set(addresses).size).toBe(PARALLEL);
    expect(hostPorts(e)).toHaveLength(PARALLEL);
    const dels = await Promise.all(e.containers.map((_, i) => e.runAsync("DEL", i, conf)));
    expect(dels.filter((o) => o.status !== 0).map((o) => o.stdout)).toEqual([]);
    expect(hostPorts(e)).toEqual([]);
    expect(reservations(e)).toEqual([]);
    expect(records(e)).toEqual([]);
    for (const c of e.containers) expect(c.linkNames()).toEqual(["lo"]);
  }, 120_000);
});

/**
 * How long one uninterrupted ADD of `conf` takes here (then undone by DEL): kills are spread over
 * that span, so a fast machine and a slow one both interrupt ADDs at every stage.
 */
async function addDuration(e: BridgeEnv, conf: Record<string, unknown>, kind: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await e.runAsync("ADD", 0, conf);
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(e.run("DEL", 0, conf, {}, kind).status).toBe(0);
    times.push(out.elapsedMs);
  }
  return Math.min(...times); // the first run is often slow (cold caches)
}

/** A config of each interface plugin on the fixture's directories (network "testnet"). */
function killConf(kind: string, e: BridgeEnv): Record<string, unknown> {
  if (kind === "bridge") return e.conf();
  const ipam = { type: "host-local", dataDir: `${e.dir}/ipam`, ranges: [[{ subnet: "10.70.0.0/24" }]] };
  return { cniVersion: "1.1.0", name: "testnet", type: kind, stateDir: `${e.dir}/state`, ipam, ...(kind === "macvlan" ? { master: "mv0" } : {}) };
}

describe.each([
  ["bridge", KILL_TRIALS],
  ["ptp", Math.ceil(KILL_TRIALS / 2)],
  ["macvlan", Math.ceil(KILL_TRIALS / 2)],
] as const)("%s killed mid-ADD", (kind, trials) => {
  it(`${trials} ADDs killed with SIGKILL at random points, each followed by DEL, leave nothing`, async () => {
    env = new BridgeEnv(1);
    const e = env;
    if (kind === "macvlan") {
      e.host.run("ip", ["link", "add", "mv0", "type", "veth", "peer", "name", "mv1"]);
      e.host.run("ip", ["link", "set", "mv0", "up"]);
    }
    const hostBefore = e.host.linkNames().filter((n) => n !== e.bridge);
    const conf = killConf(kind, e);
    const span = await addDuration(e, conf, kind);
    let killedMidway = 0;
    for (let trial = 0; trial < trials; trial++) {
      const delay = Math.random() * span * 0.9;
      const out: PluginOutput & { signal: string | null } = await e.runAsync("ADD", 0, conf, (child) => {
        setTimeout(() => child.kill("SIGKILL"), delay);
      });
      if (out.signal !== null) killedMidway += 1;
      // Runtimes such as nerdctl send DEL without CNI_NETNS: every other trial does the same.
      const del = e.run("DEL", 0, conf, trial % 2 === 1 ? { netns: undefined } : {}, kind);
      expect(del.status, del.stdout).toBe(0);
      expect(e.ctr(0).linkNames()).toEqual(["lo"]);
      expect(e.host.linkNames().filter((n) => n !== e.bridge)).toEqual(hostBefore);
      expect(reservations(e)).toEqual([]);
      expect(records(e)).toEqual([]);
    }
    // Many trials must really interrupt an ADD, or this proves nothing.
    expect(killedMidway).toBeGreaterThan(trials / 3);
  }, 180_000);
});

describe("bridge against the reference plugins", () => {
  it("the same conflist gives results of the same shape", () => {
    env = new BridgeEnv(2);
    const ours = env.run("ADD", 0, env.conf({ isDefaultGateway: true })).json!;
    const refConf = env.conf({ isDefaultGateway: true }, { dataDir: `${env.dir}/ipam-ref` });
    delete refConf.stateDir;
    refConf.cniVersion = "1.0.0";
    const theirs = env.run("ADD", 1, refConf, { binDir: REFERENCE_BIN, path: REFERENCE_BIN }).json!;
    const shape = (r: Record<string, unknown>) => ({
      interfaces: (r.interfaces as { name: string; mac?: string; sandbox?: string }[]).map((i) => ({
        name: i.name.startsWith("veth") ? "veth*" : i.name,
        mac: typeof i.mac,
        sandbox: i.sandbox === undefined ? "none" : "set",
      })),
      ips: (r.ips as { address: string; gateway?: string; interface?: number }[]).map((ip) => ({
        address: ip.address.replace(/\.\d+\//, ".x/"),
        gateway: ip.gateway,
        interface: ip.interface,
      })),
      routes: r.routes,
    });
    expect(shape(ours)).toEqual(shape(theirs));
    // Tear the reference attachment down with the reference plugin.
    const del = env.run("DEL", 1, refConf, { binDir: REFERENCE_BIN, path: REFERENCE_BIN });
    expect(del.status, del.stdout).toBe(0);
    expect(env.run("DEL", 0, env.conf({ isDefaultGateway: true })).status).toBe(0);
  });
});

describe("automatic subnet", () => {
  it("skips 172.17/16 and 172.18/16 routed in the simulated host, takes 172.19.0.0/16 and logs why", () => {
    env = new BridgeEnv(1);
    env.host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "up1"]);
    env.host.run("ip", ["link", "set", "up0", "up"]);
    env.host.run("ip", ["route", "add", "172.17.0.0/16", "dev", "up0"]);
    env.host.run("ip", ["route", "add", "172.18.0.0/16", "dev", "up0"]);
    const conf = env.conf({}, { ranges: undefined });
    const out = env.run("ADD", 0, conf, { env: { BERTH_LOG_LEVEL: "info" } });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect((out.json?.ips as { address: string }[])[0]?.address).toBe("172.19.0.2/16");
    expect(out.stderr).toMatch(/Subnet 172\.17\.0\.0\/16 rejected: overlaps 172\.17\.0\.0\/16 \(route/);
    expect(out.stderr).toMatch(/Subnet 172\.18\.0\.0\/16 rejected/);
    // Later calls reuse the recorded subnet even though the bridge's own route now covers it.
    expect(env.run("DEL", 0, conf).status).toBe(0);
    const again = env.run("ADD", 0, conf);
    expect((again.json?.ips as { address: string }[])[0]?.address).toMatch(/^172\.19\.0\.\d+\/16$/);
    expect(env.run("DEL", 0, conf).status).toBe(0);
  });
});

describe("tuning killed mid-ADD", () => {
  const trials = Math.ceil(KILL_TRIALS / 2);
  it(`${trials} ADDs killed with SIGKILL at random points, each followed by DEL, put every value back`, async () => {
    env = new BridgeEnv(1);
    const e = env;
    const ctr = e.ctr(0);
    ctr.run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    ctr.run("ip", ["link", "set", "eth0", "address", "02:00:00:00:00:aa", "mtu", "1500", "up"]);
    const before = () => {
      const [l] = ctr.ipJson(["link", "show", "eth0"]) as { mtu: number; address: string; flags: string[] }[];
      return { mtu: l?.mtu, mac: l?.address, promisc: l?.flags.includes("PROMISC"), arp: ctr.run("sysctl", ["-n", "net.ipv4.conf.eth0.arp_ignore"]).trim() };
    };
    const original = before();
    const conf = {
      cniVersion: "1.1.0",
      name: "testnet",
      type: "tuning",
      stateDir: `${e.dir}/state`,
      mtu: 1400,
      mac: "02:00:00:00:00:bb",
      promisc: true,
      sysctl: { "net.ipv4.conf.eth0.arp_ignore": "1" },
      prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: ctr.path }] },
    };
    const span = await addDuration(e, conf, "tuning");
    let killedMidway = 0;
    for (let trial = 0; trial < trials; trial++) {
      const delay = Math.random() * span * 0.9;
      const out = await e.runAsync("ADD", 0, conf, (child) => {
        setTimeout(() => child.kill("SIGKILL"), delay);
      });
      if (out.signal !== null) killedMidway += 1;
      const del = e.run("DEL", 0, conf, trial % 2 === 1 ? { netns: undefined } : {}, "tuning");
      expect(del.status, del.stdout).toBe(0);
      expect(before()).toEqual(original);
    }
    expect(killedMidway).toBeGreaterThan(trials / 3);
  }, 180_000);
});

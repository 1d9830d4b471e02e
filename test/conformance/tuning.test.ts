/**
 * tuning, black-box in a simulated host: a container namespace with a veth eth0 (its peer in the
 * simulated host), the plugin chained after it with a prevResult, the kernel checked with
 * iproute2 and /proc/sys. Only namespaces made here are touched or sent traffic.
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { BridgeEnv, REFERENCE_BIN, TestNetns, execPlugin, sh, type PluginCall, type PluginOutput, ok } from "../harness/index.ts";

interface IpLink {
  ifname: string;
  address: string;
  mtu: number;
  txqlen: number;
  flags: string[];
  promiscuity: number;
  allmulti: number;
}

class TuningEnv {
  readonly dir = mkdtempSync(`${tmpdir()}/berth-test-tuning-`);
  readonly host: TestNetns;
  readonly ctr: TestNetns;

  constructor() {
    this.host = TestNetns.create("h");
    try {
      this.ctr = TestNetns.create("c");
      this.addVeth("eth0", "peer0");
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** A veth `name` in the container, its peer in the simulated host. */
  addVeth(name: string, peer: string): void {
    this.ctr.run("ip", ["link", "add", name, "type", "veth", "peer", "name", peer, "netns", this.host.name]);
  }

  link(name = "eth0", ns: TestNetns = this.ctr): IpLink {
    const [l] = ns.ipJson(["-d", "link", "show", name]) as IpLink[];
    if (l === undefined) throw new Error(`no link ${name}`);
    return l;
  }

  sysctl(path: string, ns: TestNetns = this.ctr): string {
    return ns.run("cat", [`/proc/sys/${path}`]).trim();
  }

  prevResult(ifname = "eth0", extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: "1.1.0",
      interfaces: [{ name: ifname, mac: this.link(ifname).address, sandbox: this.ctr.path, ...extra }],
      ips: [{ address: "10.99.0.2/24", gateway: "10.99.0.1", interface: 0 }],
      dns: { nameservers: ["10.99.0.1"] },
    };
  }

  conf(extra: Record<string, unknown> = {}, ifname = "eth0"): Record<string, unknown> {
    return { cniVersion: "1.1.0", name: "tunenet", type: "tuning", stateDir: `${this.dir}/state`, dataDir: `${this.dir}/data`, prevResult: this.prevResult(ifname), ...extra };
  }

  run(command: string, conf: unknown, over: Partial<PluginCall> = {}): PluginOutput {
    return execPlugin("tuning", { command, containerId: "ctr-t", netns: this.ctr.path, ifname: "eth0", stdin: conf, host: this.host, ...over });
  }

  recordDir(containerId = "ctr-t"): string {
    return `${this.dir}/state/.tuning/tunenet/${containerId}`;
  }

  destroy(): void {
    this.ctr?.destroy();
    this.host?.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let env: TuningEnv | undefined;
let bridgeEnv: BridgeEnv | undefined;
afterEach(() => {
  env?.destroy();
  env = undefined;
  bridgeEnv?.destroy();
  bridgeEnv = undefined;
});


const MAC = "02:42:ac:11:00:42";

/** Everything tuning may change on eth0, as iproute2 and /proc/sys report it. */
function observe(e: TuningEnv) {
  const l = e.link();
  return {
    mac: l.address,
    mtu: l.mtu,
    txqlen: l.txqlen,
    promisc: l.flags.includes("PROMISC"),
    allmulti: l.flags.includes("ALLMULTI"),
    arpIgnore: e.sysctl("net/ipv4/conf/eth0/arp_ignore"),
    allArpIgnore: e.sysctl("net/ipv4/conf/all/arp_ignore"),
    allArpAnnounce: e.sysctl("net/ipv4/conf/all/arp_announce"),
  };
}

const FULL = {
  mac: MAC,
  mtu: 1400,
  promisc: true,
  allmulti: true,
  txQLen: 321,
  sysctl: { "net.ipv4.conf.IFNAME.arp_ignore": "1", "net.ipv4.conf.all.arp_ignore": "2", "net/ipv4/conf/all/arp_announce": "2" },
};

describe("tuning: ADD", () => {
  it("applies MAC, MTU, promisc, allmulti, txqueuelen and sysctls, and passes prevResult on with the new MAC", () => {
    env = new TuningEnv();
    const machineAll = readFileSync("/proc/sys/net/ipv4/conf/all/arp_ignore", "utf8").trim();
    const hostAll = env.sysctl("net/ipv4/conf/all/arp_ignore", env.host);
    const peerBefore = env.link("peer0", env.host);
    const conf = env.conf({ ...FULL, prevResult: env.prevResult("eth0", { mtu: 1500 }) });
    const out = ok(env.run("ADD", conf)).json!;

    expect(observe(env)).toEqual({ mac: MAC, mtu: 1400, txqlen: 321, promisc: true, allmulti: true, arpIgnore: "1", allArpIgnore: "2", allArpAnnounce: "2" });
    const eth0 = env.link();
    expect(eth0.promiscuity).toBe(1);
    expect(eth0.allmulti).toBe(1);
    // The result is prevResult, with the interface's MAC (and its listed MTU) as they now are.
    const prev = conf.prevResult as { interfaces: Record<string, unknown>[] };
    expect(out).toEqual({ ...prev, interfaces: [{ ...prev.interfaces[0], mac: MAC, mtu: 1400 }] });
    // Only the container's namespace changed: not the simulated host, not the machine.
    expect(env.sysctl("net/ipv4/conf/all/arp_ignore", env.host)).toBe(hostAll);
    expect(readFileSync("/proc/sys/net/ipv4/conf/all/arp_ignore", "utf8").trim()).toBe(machineAll);
    const peer = env.link("peer0", env.host);
    expect([peer.address, peer.mtu, peer.flags]).toEqual([peerBefore.address, peerBefore.mtu, peerBefore.flags]);
  });

  it("takes the MAC from args.cni.mac > runtimeConfig.mac > CNI_ARGS MAC > mac, like the reference", () => {
    env = new TuningEnv();
    const [a, r, c, m] = ["02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c", "02:00:00:00:00:0d"];
    const cases: [Record<string, unknown>, string | undefined, string][] = [
      [{ mac: m }, undefined, m],
      [{ mac: m }, `IgnoreUnknown=1;MAC=${c}`, c],
      [{ mac: m, runtimeConfig: { mac: r } }, `MAC=${c}`, r],
      [{ mac: m, runtimeConfig: { mac: r }, args: { cni: { mac: a } } }, `MAC=${c}`, a],
    ];
    for (const [extra, args, want] of cases) {
      const out = ok(env.run("ADD", env.conf(extra), args === undefined ? {} : { args })).json!;
      expect(env.link().address).toBe(want);
      expect((out.interfaces as { mac: string }[])[0]?.mac).toBe(want);
      ok(env.run("DEL", env.conf(extra), args === undefined ? {} : { args }));
    }
  });

  it("names interfaces with dots: IFNAME and '/'-separated keys", () => {
    env = new TuningEnv();
    env.addVeth("e0.5", "peer5");
    const conf = env.conf({ sysctl: { "net/ipv4/conf/e0.5/arp_ignore": "1", "net.ipv4.conf.IFNAME.arp_announce": "2" } }, "e0.5");
    ok(env.run("ADD", conf, { ifname: "e0.5" }));
    expect(env.sysctl("net/ipv4/conf/e0.5/arp_ignore")).toBe("1");
    expect(env.sysctl("net/ipv4/conf/e0.5/arp_announce")).toBe("2");
    ok(env.run("CHECK", conf, { ifname: "e0.5" }));
    ok(env.run("DEL", conf, { ifname: "e0.5" }));
    expect(env.sysctl("net/ipv4/conf/e0.5/arp_ignore")).toBe("0");
    expect(env.sysctl("net/ipv4/conf/e0.5/arp_announce")).toBe("0");
  });

  it("converts to the request's version (0.4.0 in and out)", () => {
    env = new TuningEnv();
    const prevResult = { cniVersion: "0.4.0", interfaces: [{ name: "eth0", mac: env.link().address, sandbox: env.ctr.path }], ips: [{ version: "4", address: "10.99.0.2/24", interface: 0 }] };
    const out = ok(env.run("ADD", env.conf({ cniVersion: "0.4.0", mac: MAC, prevResult }))).json!;
    expect(out).toEqual({ ...prevResult, interfaces: [{ ...prevResult.interfaces[0], mac: MAC }] });
  });
});

describe("tuning: refusals and failures leave everything as it was", () => {
  it("ADD without prevResult is refused with code 7 naming it", () => {
    env = new TuningEnv();
    const before = observe(env);
    const out = env.run("ADD", env.conf({ mtu: 1400, prevResult: undefined }));
    expect(out.json?.code).toBe(7);
    expect(out.json?.msg).toMatch(/prevResult/);
    expect(observe(env)).toEqual(before);
  });

  it("a sysctl outside net.* (or escaping it) is refused with code 7, nothing changed, no record", () => {
    env = new TuningEnv();
    const before = observe(env);
    for (const key of ["kernel.hostname", "net/../kernel/hostname", "vm.swappiness"]) {
      const out = env.run("ADD", env.conf({ mtu: 1400, mac: MAC, sysctl: { "net.ipv4.conf.all.arp_ignore": "2", [key]: "1" } }));
      expect(out.json?.code, key).toBe(7);
      expect(`${out.json?.msg} ${out.json?.details}`).toMatch(/net\.\*|invalid part/);
    }
    expect(observe(env)).toEqual(before);
    expect(existsSync(`${env.dir}/state/.tuning`)).toBe(false);
  });

  it("an invalid sysctl value after MAC, MTU and valid sysctl changes undoes them all", () => {
    env = new TuningEnv();
    const before = observe(env);
    const out = env.run("ADD", env.conf({ ...FULL, sysctl: { "net.ipv4.conf.all.arp_announce": "2", "net.ipv4.conf.IFNAME.arp_ignore": "banana" } }));
    expect(out.status).not.toBe(0);
    expect(out.json?.code).toBe(7);
    expect(out.json?.msg).toMatch(/net\.ipv4\.conf\.eth0\.arp_ignore/);
    expect(observe(env)).toEqual(before);
    expect(existsSync(env.recordDir())).toBe(false);
  });

  it("an MTU the kernel refuses undoes the MAC and promisc changes made before it", () => {
    env = new TuningEnv();
    const before = observe(env);
    const out = env.run("ADD", env.conf({ mac: MAC, promisc: true, mtu: 99999 }));
    expect(out.json?.code).toBe(100);
    expect(out.json?.msg).toMatch(/MTU 99999/);
    expect(observe(env)).toEqual(before);
    expect(existsSync(env.recordDir())).toBe(false);
  });

  it("a sysctl that does not exist, or a key given twice, is refused before any change", () => {
    env = new TuningEnv();
    const before = observe(env);
    const missing = env.run("ADD", env.conf({ mtu: 1400, sysctl: { "net.ipv4.conf.eth0.no_such_thing": "1" } }));
    expect(missing.json?.code).toBe(7);
    expect(missing.json?.msg).toMatch(/does not exist/);
    const text = JSON.stringify(env.conf({ mtu: 1400 })).replace(/^\{/, '{"sysctl":{"net.ipv4.conf.all.arp_ignore":"1","net.ipv4.conf.all.arp_ignore":"2"},');
    const dup = env.run("ADD", text);
    expect(dup.json?.code).toBe(7);
    expect(dup.json?.details).toMatch(/twice/);
    expect(observe(env)).toEqual(before);
  });

  it("an interface that is not there is an error naming it", () => {
    env = new TuningEnv();
    const out = env.run("ADD", env.conf({ mtu: 1400 }), { ifname: "eth9" });
    expect(out.status).not.toBe(0);
    expect(out.json?.msg).toMatch(/"eth9" not found/);
  });

  it("honours a sysctl allowlist file (BERTH_TUNING_ALLOWLIST, else the reference's path)", () => {
    env = new TuningEnv();
    const list = `${env.dir}/allowlist.conf`;
    writeFileSync(list, "^net\\.ipv4\\.conf\\.IFNAME\\.\n\n^net\\.core\\.somaxconn$\n");
    const extra = { env: { BERTH_TUNING_ALLOWLIST: list } };
    ok(env.run("ADD", env.conf({ sysctl: { "net.ipv4.conf.IFNAME.arp_ignore": "1", "net.core.somaxconn": "1024" } }), extra));
    ok(env.run("DEL", env.conf(), extra));
    const out = env.run("ADD", env.conf({ sysctl: { "net.ipv4.conf.all.arp_ignore": "1" } }), extra);
    expect(out.json?.code).toBe(7);
    expect(out.json?.msg).toMatch(/not allowed/);
    expect(env.sysctl("net/ipv4/conf/all/arp_ignore")).toBe("0");
  });
});

describe("tuning: DEL", () => {
  it("restores every original value, sysctls included, and removes its record; DEL again succeeds", () => {
    env = new TuningEnv();
    const before = observe(env);
    ok(env.run("ADD", env.conf(FULL)));
    expect(readdirSync(env.recordDir())).toEqual(["eth0.json"]);
    ok(env.run("DEL", env.conf(FULL)));
    expect(observe(env)).toEqual(before);
    expect(existsSync(env.recordDir())).toBe(false);
    ok(env.run("DEL", env.conf(FULL)));
    expect(observe(env)).toEqual(before);
  });

  it("needs neither prevResult nor the tuning keys: the record says what to put back", () => {
    env = new TuningEnv();
    const before = observe(env);
    ok(env.run("ADD", env.conf(FULL)));
    ok(env.run("DEL", { cniVersion: "1.1.0", name: "tunenet", type: "tuning", stateDir: `${env.dir}/state` }));
    expect(observe(env)).toEqual(before);
  });

  it("a repeated ADD keeps the first originals: DEL goes back to the values before the first ADD", () => {
    env = new TuningEnv();
    const before = observe(env);
    ok(env.run("ADD", env.conf({ mtu: 1400, sysctl: { "net.ipv4.conf.all.arp_ignore": "1" } })));
    ok(env.run("ADD", env.conf({ mtu: 1300, mac: MAC, sysctl: { "net.ipv4.conf.all.arp_ignore": "2" } })));
    expect(observe(env)).toMatchObject({ mtu: 1300, mac: MAC, allArpIgnore: "2" });
    ok(env.run("DEL", env.conf()));
    expect(observe(env)).toEqual(before);
  });

  it("succeeds when the namespace is gone, with or without CNI_NETNS, and drops the record", () => {
    env = new TuningEnv();
    ok(env.run("ADD", env.conf(FULL)));
    const conf = env.conf(FULL);
    env.ctr.destroy();
    ok(env.run("DEL", conf));
    ok(env.run("DEL", conf, { netns: undefined }));
    expect(existsSync(env.recordDir())).toBe(false);
  });

  it("leaves a new namespace at the old CNI_NETNS path alone: it is not the one ADD tuned", () => {
    env = new TuningEnv();
    const conf = env.conf({ mtu: 1400 });
    ok(env.run("ADD", conf));
    const name = env.ctr.name;
    env.ctr.destroy();
    sh("ip", ["netns", "add", name]);
    try {
      sh("ip", ["-n", name, "link", "add", "eth0", "mtu", "1400", "type", "veth", "peer", "name", "peer9"]);
      ok(env.run("DEL", conf));
      expect((JSON.parse(sh("ip", ["-n", name, "-j", "link", "show", "eth0"])) as IpLink[])[0]?.mtu).toBe(1400);
      expect(existsSync(env.recordDir())).toBe(false);
    } finally {
      sh("ip", ["netns", "del", name]);
    }
  });

  it("succeeds when the interface is gone (the namespace's own sysctls are still restored)", () => {
    env = new TuningEnv();
    const conf = env.conf(FULL);
    ok(env.run("ADD", conf));
    env.ctr.run("ip", ["link", "del", "eth0"]);
    ok(env.run("DEL", conf));
    expect(env.sysctl("net/ipv4/conf/all/arp_ignore")).toBe("0");
    expect(env.sysctl("net/ipv4/conf/all/arp_announce")).toBe("0");
    expect(existsSync(env.recordDir())).toBe(false);
  });

  it("restores from the reference plugin's backup file when the attachment was made by the reference", () => {
    env = new TuningEnv();
    const before = observe(env);
    const conf = env.conf({ cniVersion: "1.0.0", mtu: 1400, mac: MAC, promisc: true });
    conf.prevResult = { ...(conf.prevResult as object), cniVersion: "1.0.0" };
    ok(execPlugin("tuning", { command: "ADD", containerId: "ctr-t", netns: env.ctr.path, ifname: "eth0", stdin: conf, host: env.host, binDir: REFERENCE_BIN }));
    expect(observe(env)).toMatchObject({ mtu: 1400, mac: MAC, promisc: true });
    expect(readdirSync(`${env.dir}/data`)).toEqual(["ctr-t_eth0.json"]);
    ok(env.run("DEL", conf));
    expect(observe(env)).toEqual(before);
    expect(readdirSync(`${env.dir}/data`)).toEqual([]);
  });
});

describe("tuning: CHECK, GC, STATUS", () => {
  it("CHECK passes after ADD, then names every value that changed (code 100); it needs prevResult", () => {
    env = new TuningEnv();
    const conf = env.conf(FULL);
    const add = ok(env.run("ADD", conf)).json!;
    ok(env.run("CHECK", { ...conf, prevResult: add }));
    env.ctr.run("ip", ["link", "set", "eth0", "mtu", "1500", "promisc", "off"]);
    env.ctr.run("sh", ["-c", "echo 0 > /proc/sys/net/ipv4/conf/all/arp_announce"]);
    const out = env.run("CHECK", { ...conf, prevResult: add });
    expect(out.json?.code).toBe(100);
    expect(out.json?.details).toMatch(/MTU of "eth0" is 1500, configured 1400/);
    expect(out.json?.details).toMatch(/promiscuous mode of "eth0" is off, configured on/);
    expect(out.json?.details).toMatch(/sysctl net\.ipv4\.conf\.all\.arp_announce is "0", configured "2"/);
    expect(out.json?.details).not.toMatch(/MAC|txqueue|transmit|arp_ignore/);
    expect(env.run("CHECK", { ...conf, prevResult: undefined }).json?.code).toBe(7);
  });

  it("GC restores and forgets the attachments missing from the valid list; no list removes nothing", () => {
    env = new TuningEnv();
    env.addVeth("eth1", "peer1");
    const mtuOf = (n: string) => env!.link(n).mtu;
    ok(env.run("ADD", env.conf({ mtu: 1400 }), { containerId: "ctr-0" }));
    ok(env.run("ADD", env.conf({ mtu: 1300 }, "eth1"), { containerId: "ctr-1", ifname: "eth1" }));
    const gc = { containerId: undefined, netns: undefined, ifname: undefined };
    ok(env.run("GC", env.conf(), gc));
    expect([mtuOf("eth0"), mtuOf("eth1")]).toEqual([1400, 1300]);
    ok(env.run("GC", { ...env.conf(), "cni.dev/valid-attachments": [{ containerID: "ctr-0", ifname: "eth0" }] }, gc));
    expect([mtuOf("eth0"), mtuOf("eth1")]).toEqual([1400, 1500]);
    expect(existsSync(env.recordDir("ctr-0"))).toBe(true);
    expect(existsSync(env.recordDir("ctr-1"))).toBe(false);
    ok(env.run("GC", { ...env.conf(), "cni.dev/valid-attachments": [] }, gc));
    expect(mtuOf("eth0")).toBe(1500);
  });

  it("STATUS succeeds", () => {
    env = new TuningEnv();
    ok(env.run("STATUS", env.conf(), { containerId: undefined, netns: undefined, ifname: undefined }));
  });
});

describe("tuning chained after berth's bridge", () => {
  it("bridge ADD → tuning ADD with its result → CHECK both → DEL in reverse leaves nothing", () => {
    bridgeEnv = new BridgeEnv(1);
    const b = bridgeEnv;
    const bridgeConf = b.conf();
    const tuningConf = {
      cniVersion: "1.1.0",
      name: "testnet",
      type: "tuning",
      // The same state directory as bridge: the two records must not collide.
      stateDir: `${b.dir}/state`,
      dataDir: `${b.dir}/tuning-data`,
      mac: MAC,
      mtu: 1400,
      sysctl: { "net.ipv4.conf.IFNAME.arp_ignore": "1" },
    };
    const ctrMac = () => (b.ctr(0).ipJson(["link", "show", "eth0"]) as IpLink[])[0]!;
    const first = ok(b.run("ADD", 0, bridgeConf)).json!;
    const originalMac = ctrMac().address;
    const final = ok(b.run("ADD", 0, { ...tuningConf, prevResult: first }, {}, "tuning")).json!;
    expect(final).toEqual({ ...first, interfaces: [(first.interfaces as object[])[0], (first.interfaces as object[])[1], { ...(first.interfaces as object[])[2], mac: MAC }] });
    expect(ctrMac()).toMatchObject({ address: MAC, mtu: 1400 });
    expect(b.ctr(0).run("cat", ["/proc/sys/net/ipv4/conf/eth0/arp_ignore"]).trim()).toBe("1");
    // The container still reaches its gateway with the new MAC.
    expect(b.ctr(0).run("ping", ["-c", "1", "-W", "2", "10.88.0.1"])).toMatch(/1 received/);
    ok(b.run("CHECK", 0, { ...bridgeConf, prevResult: final }));
    ok(b.run("CHECK", 0, { ...tuningConf, prevResult: final }, {}, "tuning"));
    expect(existsSync(`${b.dir}/state/testnet/ctr-0/eth0.json`)).toBe(true);
    // DEL runs the chain in reverse.
    ok(b.run("DEL", 0, { ...tuningConf, prevResult: final }, {}, "tuning"));
    expect(ctrMac()).toMatchObject({ address: originalMac, mtu: 1500 });
    ok(b.run("DEL", 0, { ...bridgeConf, prevResult: final }));
    expect(b.ctr(0).linkNames()).toEqual(["lo"]);
    expect(b.host.linkNames().sort()).toEqual([b.bridge, "lo"].sort());
    expect(readdirSync(`${b.dir}/state/testnet`).filter((f) => !f.startsWith("."))).toEqual([]);
    expect(existsSync(`${b.dir}/state/.tuning/testnet/ctr-0`)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { isCniError, parseCniArgs, type CniEnv, type NetConf } from "../../lib/cni/index.ts";
import { findDuplicateKey, parseTuningConfig, resolveSysctlKey } from "./config.ts";

const env = (args = "", ifname = "eth0"): CniEnv => ({ command: "ADD", ifname, args: parseCniArgs(args), path: [] });
const conf = (extra: Record<string, unknown>): NetConf => ({ cniVersion: "1.1.0", name: "n", type: "tuning", ...extra });

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return isCniError(err) ? err.code : -1;
  }
  return undefined;
}

describe("resolveSysctlKey", () => {
  it("reads dots as separators, and '/' (then dots belong to names) like sysctl(8)", () => {
    expect(resolveSysctlKey("net.ipv4.conf.eth0.arp_ignore", "eth0")).toEqual({ path: ["net", "ipv4", "conf", "eth0", "arp_ignore"], perInterface: true });
    expect(resolveSysctlKey("net/ipv4/conf/eth0.100/rp_filter", "eth0.100").path).toEqual(["net", "ipv4", "conf", "eth0.100", "rp_filter"]);
    expect(resolveSysctlKey("net.core.somaxconn", "eth0")).toEqual({ path: ["net", "core", "somaxconn"], perInterface: false });
  });

  it("replaces an IFNAME part with CNI_IFNAME, dots and all", () => {
    expect(resolveSysctlKey("net.ipv6.conf.IFNAME.mtu", "e0.5")).toEqual({ path: ["net", "ipv6", "conf", "e0.5", "mtu"], perInterface: true });
  });

  it("refuses anything outside net.* and any escape from it", () => {
    for (const key of ["kernel.hostname", "net", "net.ipv4", "net/../kernel/hostname", "net.ipv4..ip_forward", "vm.swappiness", "", "net/ipv4/ip forward"]) {
      expect(code(() => resolveSysctlKey(key, "eth0")), key).toBe(7);
    }
  });
});

describe("parseTuningConfig", () => {
  it("MAC precedence is the reference's: args.cni.mac > runtimeConfig.mac > CNI_ARGS MAC > mac", () => {
    const a = "02:00:00:00:00:0a";
    const r = "02:00:00:00:00:0b";
    const c = "02:00:00:00:00:0c";
    const m = "02:00:00:00:00:0d";
    expect(parseTuningConfig(conf({ mac: m }), env()).mac).toBe(m);
    expect(parseTuningConfig(conf({ mac: m }), env(`MAC=${c}`)).mac).toBe(c);
    expect(parseTuningConfig(conf({ mac: m, runtimeConfig: { mac: r } }), env(`MAC=${c}`)).mac).toBe(r);
    expect(parseTuningConfig(conf({ mac: m, runtimeConfig: { mac: r }, args: { cni: { mac: a } } }), env(`MAC=${c}`)).mac).toBe(a);
    expect(parseTuningConfig(conf({ mac: "02:AB:CD:EF:00:01" }), env()).mac).toBe("02:ab:cd:ef:00:01");
  });

  it("args.cni overrides each key, and its sysctls replace the config's for the same file", () => {
    const c = parseTuningConfig(
      conf({
        mtu: 1400,
        promisc: true,
        sysctl: { "net.ipv4.conf.IFNAME.arp_ignore": "1", "net.core.somaxconn": 100 },
        args: { cni: { mtu: 1300, promisc: false, allmulti: true, txQLen: 10, sysctl: { "net/ipv4/conf/eth0/arp_ignore": "2" } } },
      }),
      env(),
    );
    expect(c).toMatchObject({ mtu: 1300, promisc: false, allmulti: true, txQLen: 10 });
    expect(c.sysctls.map((s) => [s.path.join("/"), s.value])).toEqual([
      ["net/ipv4/conf/eth0/arp_ignore", "2"],
      ["net/core/somaxconn", "100"],
    ]);
  });

  it("mtu 0 means unset; bad values are refused with code 7", () => {
    expect(parseTuningConfig(conf({ mtu: 0 }), env()).mtu).toBeUndefined();
    for (const bad of [{ mtu: -1 }, { mtu: "1400" }, { promisc: "yes" }, { allmulti: 1 }, { txQLen: 1.5 }, { mac: "nope" }, { mac: "01:00:5e:00:00:01" }, { sysctl: ["x"] }, { sysctl: { "net.core.somaxconn": true } }]) {
      expect(code(() => parseTuningConfig(conf(bad), env())), JSON.stringify(bad)).toBe(7);
    }
  });

  it("two spellings of one parameter in the same map are refused", () => {
    const c = conf({ sysctl: { "net.ipv4.conf.eth0.arp_ignore": "1", "net.ipv4.conf.IFNAME.arp_ignore": "2" } });
    expect(code(() => parseTuningConfig(c, env()))).toBe(7);
  });
});

describe("findDuplicateKey", () => {
  it("finds a key given twice in sysctl or args.cni.sysctl, and nothing elsewhere", () => {
    const paths = [["sysctl"], ["args", "cni", "sysctl"]];
    expect(findDuplicateKey('{"sysctl":{"a":"1","b":"2","a":"3"}}', paths)).toEqual({ key: "a", where: "sysctl" });
    expect(findDuplicateKey('{"args":{"cni":{"sysctl":{"x\\"y":1,"x\\"y":2}}}}', paths)).toEqual({ key: 'x"y', where: "args.cni.sysctl" });
    expect(findDuplicateKey('{"a":1,"a":2,"sysctl":{"a":"1"},"l":[{"sysctl":{"q":1,"q":2}}]}', paths)).toBeUndefined();
    expect(findDuplicateKey('{"sysctl":{},"x":[],"y":[1, "2", {"z": null}]}', paths)).toBeUndefined();
  });
});

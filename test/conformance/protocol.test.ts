/**
 * Black-box CNI protocol conformance: the built binary exec'd as a runtime execs it, inside a
 * simulated host namespace. These rules hold for every plugin, so each runs for all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execPlugin, TestNetns, type PluginCall } from "../harness/index.ts";

/** Plugins with a lifecycle test here (the others have their own files). */
const PLUGINS = ["loopback", "none"];
/** Every plugin, with the keys it needs, for the rules that hold for all of them. */
const ALL: Record<string, object> = {
  loopback: {},
  none: {},
  bridge: { bridge: "btproto0", ipam: { type: "static", addresses: [{ address: "10.66.0.2/24" }] } },
  ptp: { ipam: { type: "static", addresses: [{ address: "10.66.0.2/24" }] } },
  "host-local": { ipam: { type: "host-local", ranges: [[{ subnet: "10.66.0.0/24" }]] } },
  static: { ipam: { type: "static", addresses: [{ address: "10.66.0.2/24" }] } },
  host: {},
  container: { netns: "/proc/self/ns/net" },
  // Never written: every call here fails before ADD's work.
  dnsfiles: { runtimeConfig: { dnsFiles: { dir: "/nonexistent/berth-dnsfiles" } } },
  // Chained, with nothing to publish or police: an ADD passes the (absent) prevResult on.
  portmap: { stateDir: "/nonexistent/berth-state" },
  firewall: { stateDir: "/nonexistent/berth-state" },
};
const VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

let host: TestNetns;
let ctr: TestNetns;
beforeAll(() => {
  host = TestNetns.create("h");
  ctr = TestNetns.create("c");
});
afterAll(() => {
  ctr?.destroy();
  host?.destroy();
});

const conf = (type: string, extra: object = {}) => ({ cniVersion: "1.1.0", name: "conf-net", type, ...(ALL[type] ?? {}), ...extra });

function call(plugin: string, c: Partial<PluginCall>) {
  return execPlugin(plugin, {
    command: "ADD",
    containerId: "ctr-1",
    netns: ctr.path,
    ifname: "eth0",
    stdin: conf(plugin),
    host,
    ...c,
  });
}

function expectError(out: ReturnType<typeof call>, code: number, msg?: RegExp) {
  expect(out.status).not.toBe(0);
  expect(out.json).toBeDefined();
  expect(out.json?.code).toBe(code);
  expect(typeof out.json?.msg).toBe("string");
  if (msg) expect(`${out.json?.msg} ${out.json?.details ?? ""}`).toMatch(msg);
  // Exactly one JSON object on stdout, nothing else.
  expect(out.stdout.trim().split("\n")).toHaveLength(1);
}

describe.each(Object.keys(ALL))("%s: VERSION", (plugin) => {
  it("answers with empty stdin and no other variables", () => {
    const out = execPlugin(plugin, { command: "VERSION", host, path: undefined, stdin: "" });
    expect(out.status).toBe(0);
    expect(out.json?.supportedVersions).toEqual(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
    expect(typeof out.json?.cniVersion).toBe("string");
  });

  it("answers libcni's probe (dummy variables, {cniVersion} on stdin) echoing the version", () => {
    const out = execPlugin(plugin, {
      command: "VERSION",
      netns: "dummy",
      ifname: "dummy",
      path: "dummy",
      stdin: { cniVersion: "1.0.0" },
      host,
    });
    expect(out.status).toBe(0);
    expect(out.json).toEqual({ cniVersion: "1.0.0", supportedVersions: VERSIONS });
  });

  it("answers even when stdin is garbage", () => {
    const out = execPlugin(plugin, { command: "VERSION", stdin: "{nope", host });
    expect(out.status).toBe(0);
    expect(out.json?.supportedVersions).toEqual(VERSIONS);
  });
});

describe.each(Object.keys(ALL))("%s: bad input gets the spec's error codes", (plugin) => {
  it("unknown CNI_COMMAND → 4", () => {
    expectError(call(plugin, { command: "FROB" }), 4, /FROB/);
  });

  it("missing CNI_COMMAND → 4 naming it", () => {
    expectError(call(plugin, { command: "" }), 4, /CNI_COMMAND/);
  });

  it("missing CNI_NETNS on ADD → 4 naming CNI_NETNS", () => {
    expectError(call(plugin, { netns: undefined }), 4, /CNI_NETNS/);
  });

  it("unsupported cniVersion → 1 listing what is supported", () => {
    expectError(call(plugin, { stdin: conf(plugin, { cniVersion: "9.9.9" }) }), 1, /9\.9\.9/);
  });

  it("truncated JSON → 6", () => {
    expectError(call(plugin, { stdin: JSON.stringify(conf(plugin)).slice(0, 25) }), 6);
  });

  it("bad network name → 7", () => {
    expectError(call(plugin, { stdin: conf(plugin, { name: "bad name!" }) }), 7, /name/);
  });

  it("16-byte ifname → 4 naming CNI_IFNAME", () => {
    expectError(call(plugin, { ifname: "abcdefghijklmnop" }), 4, /CNI_IFNAME/);
  });

  it("bad container ID → 4", () => {
    expectError(call(plugin, { containerId: "-starts-with-dash" }), 4, /containerID|CNI_CONTAINERID/i);
  });

  it("CHECK with a config older than 0.4.0 → 1", () => {
    expectError(call(plugin, { command: "CHECK", stdin: conf(plugin, { cniVersion: "0.3.1" }) }), 1, /CHECK/);
  });

  it("GC and STATUS with a config older than 1.1.0 → 1", () => {
    expectError(call(plugin, { command: "GC", stdin: conf(plugin, { cniVersion: "1.0.0" }) }), 1);
    expectError(call(plugin, { command: "STATUS", stdin: conf(plugin, { cniVersion: "1.0.0" }) }), 1);
  });

  // IPAM plugins and the host-side chained plugins never enter CNI_NETNS, so only the others are asked about a missing one.
  if (!["host-local", "static", "dnsfiles", "portmap", "firewall"].includes(plugin)) {
    it("a CNI_NETNS that does not exist → an error naming it, and nothing printed but the error", () => {
      const out = call(plugin, { netns: "/run/netns/berth-missing-ns" });
      expect(out.status).not.toBe(0);
      expect(`${out.json?.msg} ${out.json?.details ?? ""}`).toMatch(/berth-missing-ns/);
    });
  }
});

describe.each(PLUGINS)("%s: lifecycle", (plugin) => {
  it.each(VERSIONS)("ADD answers in the requested version %s", (version) => {
    const out = call(plugin, { stdin: conf(plugin, { cniVersion: version }) });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(out.json?.cniVersion).toBe(version);
    const ips = out.json?.ips as { address: string; version?: string; interface?: number }[];
    expect(ips.map((ip) => ip.address).sort()).toEqual(["127.0.0.1/8", "::1/128"]);
    for (const ip of ips) {
      if (version.startsWith("0.")) expect(ip.version).toBe(ip.address.includes(":") ? "6" : "4");
      else expect(ip).not.toHaveProperty("version");
      expect(ip.interface).toBe(0);
    }
    const ifaces = out.json?.interfaces as { name: string; sandbox?: string }[];
    expect(ifaces[0]).toMatchObject({ name: "lo", sandbox: ctr.path });
    expect(call(plugin, { command: "DEL", stdin: conf(plugin, { cniVersion: version }) }).status).toBe(0);
  });

  it("DEL twice succeeds and prints nothing", () => {
    expect(call(plugin, {}).status).toBe(0);
    for (let i = 0; i < 2; i++) {
      const out = call(plugin, { command: "DEL" });
      expect(out.status, out.stdout).toBe(0);
      expect(out.stdout).toBe("");
    }
  });

  it("DEL with no netns and no prevResult succeeds", () => {
    const out = call(plugin, { command: "DEL", netns: undefined });
    expect(out.status, out.stdout).toBe(0);
    expect(out.stdout).toBe("");
  });

  it("DEL for a namespace that is already gone succeeds", () => {
    const out = call(plugin, { command: "DEL", netns: "/run/netns/berth-gone-ns" });
    expect(out.status, out.stdout).toBe(0);
  });

  it("GC and STATUS succeed silently on 1.1.0", () => {
    for (const command of ["GC", "STATUS"]) {
      const out = call(plugin, {
        command,
        containerId: undefined,
        netns: undefined,
        ifname: undefined,
        stdin: conf(plugin, { "cni.dev/valid-attachments": [] }),
      });
      expect(out.status, out.stdout).toBe(0);
      expect(out.stdout).toBe("");
    }
  });

  it("treats empty CNI_* variables as unset (libcni sends them all)", () => {
    const out = call(plugin, { command: "STATUS", containerId: "", netns: "", ifname: "", args: "" });
    expect(out.status, out.stdout).toBe(0);
  });
});

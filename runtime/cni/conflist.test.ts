import { describe, expect, it } from "vitest";
import { parseConfigList } from "./conflist.ts";
import { requestFor } from "./runtime.ts";

describe("parseConfigList", () => {
  it("negotiates the highest version berth speaks from cniVersion and cniVersions", () => {
    const l = parseConfigList(JSON.stringify({ name: "n", cniVersion: "0.4.0", cniVersions: ["1.0.0", "1.1.0", "9.9.9"], plugins: [{ type: "bridge" }] }));
    expect(l.cniVersion).toBe("1.1.0");
  });

  it("up-converts a legacy single-plugin conf and reads string flags", () => {
    const l = parseConfigList(JSON.stringify({ name: "n", cniVersion: "0.3.1", type: "bridge", disableCheck: "TRUE" }));
    expect(l.plugins.map((p) => p.type)).toEqual(["bridge"]);
    expect(l.disableCheck).toBe(true);
  });

  it("names the file and the problem", () => {
    expect(() => parseConfigList("{", "/etc/x.conflist")).toThrow(/network config \/etc\/x\.conflist: not valid JSON/);
    expect(() => parseConfigList(JSON.stringify({ name: "-bad", cniVersion: "1.0.0", plugins: [{ type: "a" }] }))).toThrow(/name "-bad" must start/);
    expect(() => parseConfigList(JSON.stringify({ name: "n", cniVersion: "2.0.0", plugins: [{ type: "a" }] }))).toThrow(/none of its versions \["2\.0\.0"\]/);
    expect(() => parseConfigList(JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [] }))).toThrow(/has no plugins/);
    expect(() => parseConfigList(JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [{ type: "../x" }] }))).toThrow(/plugin 1 needs a "type"/);
    expect(() => parseConfigList(JSON.stringify({ name: "n", cniVersion: "1.0.0", disableGC: "maybe", plugins: [{ type: "a" }] }))).toThrow(/disableGC must be true or false/);
  });
});

describe("requestFor", () => {
  const list = parseConfigList(JSON.stringify({ name: "net", cniVersion: "1.0.0", plugins: [{ type: "bridge", name: "ignored", cniVersion: "0.3.1" }, { type: "portmap", capabilities: { portMappings: true, mac: false } }] }));
  it("sets name and version, passes keys through, and adds runtimeConfig only for declared capabilities with values", () => {
    const rt = { containerId: "c", netns: "/n", ifname: "eth0", capabilityArgs: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: "tcp" }], mac: "02:00:00:00:00:01" } };
    const first = requestFor(list, list.plugins[0]!, rt, undefined);
    expect(first).toEqual({ type: "bridge", name: "net", cniVersion: "1.0.0" });
    const second = requestFor(list, list.plugins[1]!, rt, { cniVersion: "0.3.1", ips: [{ version: "4", address: "10.0.0.2/24" }] });
    expect(second.runtimeConfig).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    expect(second.capabilities).toEqual({ portMappings: true, mac: false });
    expect(second.prevResult).toEqual({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] });
  });
});

import { describe, expect, it } from "vitest";
import { capabilities, capability, getCI, parseCniArgs } from "./args.ts";

const entries = (m: Map<string, string>): [string, string][] => [...m.entries()];

describe("parseCniArgs", () => {
  it("reads K=V pairs separated by ';' in order", () => {
    expect(entries(parseCniArgs("FOO=BAR;ABC=123"))).toEqual([
      ["FOO", "BAR"],
      ["ABC", "123"],
    ]);
  });

  it("is empty for undefined and for an empty string", () => {
    expect(parseCniArgs(undefined).size).toBe(0);
    expect(parseCniArgs("").size).toBe(0);
  });

  it("ignores a trailing ';' and empty pieces", () => {
    expect(entries(parseCniArgs("A=1;"))).toEqual([["A", "1"]]);
    expect(entries(parseCniArgs(";;A=1;;B=2;  ;"))).toEqual([
      ["A", "1"],
      ["B", "2"],
    ]);
  });

  it("splits on the first '=' so a value may contain '='", () => {
    expect(parseCniArgs("TOKEN=a=b==c").get("TOKEN")).toBe("a=b==c");
  });

  it("keeps an empty value", () => {
    expect(entries(parseCniArgs("EMPTY=;X=1"))).toEqual([
      ["EMPTY", ""],
      ["X", "1"],
    ]);
  });

  it("skips pieces without a key or without '='", () => {
    expect(entries(parseCniArgs("=novalue;justakey;K=V"))).toEqual([["K", "V"]]);
  });

  it("keeps unknown keys (Kubernetes' K8S_* keys) without needing IgnoreUnknown", () => {
    const args = parseCniArgs("K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1");
    expect(args.get("K8S_POD_NAME")).toBe("web-0");
    expect(args.get("K8S_POD_UID")).toBe("u-1");
    expect(args.size).toBe(4);
  });

  it("keeps the case of keys and values", () => {
    const args = parseCniArgs("IgnoreUnknown=True;MAC=AA:BB:cc:dd:ee:ff");
    expect(args.get("IgnoreUnknown")).toBe("True");
    expect(args.get("ignoreunknown")).toBeUndefined();
    expect(args.get("MAC")).toBe("AA:BB:cc:dd:ee:ff");
  });

  it("trims spaces around keys but passes values on as sent", () => {
    expect(entries(parseCniArgs(" IP =10.0.0.5/24; MAC= x "))).toEqual([
      ["IP", "10.0.0.5/24"],
      ["MAC", " x "],
    ]);
  });

  it("lets a later duplicate key win", () => {
    expect(parseCniArgs("IP=10.0.0.1;IP=10.0.0.2").get("IP")).toBe("10.0.0.2");
  });
});

describe("getCI", () => {
  it("finds a key whatever its case", () => {
    expect(getCI({ HostPort: 80 }, "hostPort")).toBe(80);
    expect(getCI({ hostport: 81 }, "hostPort")).toBe(81);
  });

  it("prefers an exact match over a case-insensitive one", () => {
    expect(getCI({ HostPort: 1, hostPort: 2 }, "hostPort")).toBe(2);
    expect(getCI({ hostPort: 2, HostPort: 1 }, "HostPort")).toBe(1);
  });

  it("is undefined for missing keys and for non-objects", () => {
    expect(getCI({ a: 1 }, "b")).toBeUndefined();
    expect(getCI(null, "a")).toBeUndefined();
    expect(getCI([1], "0")).toBeUndefined();
    expect(getCI("text", "length")).toBeUndefined();
  });

  it("does not read inherited properties", () => {
    expect(getCI({}, "constructor")).toBeUndefined();
    expect(getCI({}, "toString")).toBeUndefined();
  });
});

describe("capability", () => {
  it("reads runtimeConfig.<name> whatever the case of the key", () => {
    expect(capability({ PortMappings: [1] }, "portMappings")).toEqual([1]);
    expect(capability({ "io.kubernetes.cri.pod-annotations": { a: "b" } }, "io.kubernetes.cri.pod-annotations")).toEqual({ a: "b" });
  });

  it("is undefined when the runtime sent no runtimeConfig or not this capability", () => {
    expect(capability(undefined, "mac")).toBeUndefined();
    expect(capability({ ips: [] }, "mac")).toBeUndefined();
  });
});

describe("capabilities.portMappings", () => {
  it("reads camelCase mappings (CRI-O)", () => {
    const rc = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "127.0.0.1" }] };
    expect(capabilities.portMappings(rc)).toEqual([{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "127.0.0.1" }]);
  });

  it("reads PascalCase mappings (containerd)", () => {
    const rc = {
      portMappings: [
        { HostPort: 8443, ContainerPort: 443, Protocol: "UDP", HostIP: "10.0.0.1" },
        { HostPort: 53, ContainerPort: 53, Protocol: "sctp", HostIP: "" },
      ],
    };
    expect(capabilities.portMappings(rc)).toEqual([
      { hostPort: 8443, containerPort: 443, protocol: "udp", hostIP: "10.0.0.1" },
      { hostPort: 53, containerPort: 53, protocol: "sctp" },
    ]);
  });

  it("finds the portMappings key itself case-insensitively", () => {
    expect(capabilities.portMappings({ PortMappings: [{ HostPort: 1, ContainerPort: 2 }] })).toEqual([{ hostPort: 1, containerPort: 2, protocol: "tcp" }]);
  });

  it("defaults protocol to tcp and skips entries that are not objects", () => {
    expect(capabilities.portMappings({ portMappings: [{ hostPort: 1, containerPort: 2 }, "junk", null] })).toEqual([
      { hostPort: 1, containerPort: 2, protocol: "tcp" },
    ]);
  });

  it("is empty when there is no runtimeConfig or no list", () => {
    expect(capabilities.portMappings(undefined)).toEqual([]);
    expect(capabilities.portMappings({})).toEqual([]);
    expect(capabilities.portMappings({ portMappings: { hostPort: 1 } })).toEqual([]);
  });
});

describe("capabilities.ipRanges", () => {
  it("reads camelCase and PascalCase ranges, one inner list per address", () => {
    const rc = {
      ipRanges: [
        [{ subnet: "10.0.0.0/24", rangeStart: "10.0.0.10", rangeEnd: "10.0.0.20", gateway: "10.0.0.1" }],
        [{ Subnet: "fd00::/64", RangeStart: "fd00::10" }, { Subnet: "fd01::/64", Gateway: "fd01::1", RangeEnd: "fd01::ff" }],
      ],
    };
    expect(capabilities.ipRanges(rc)).toEqual([
      [{ subnet: "10.0.0.0/24", rangeStart: "10.0.0.10", rangeEnd: "10.0.0.20", gateway: "10.0.0.1" }],
      [{ subnet: "fd00::/64", rangeStart: "fd00::10" }, { subnet: "fd01::/64", gateway: "fd01::1", rangeEnd: "fd01::ff" }],
    ]);
  });

  it("drops empty optional strings and skips inner entries that are not lists", () => {
    expect(capabilities.ipRanges({ ipRanges: [[{ Subnet: "10.0.0.0/24", RangeStart: "" }], "junk"] })).toEqual([[{ subnet: "10.0.0.0/24" }]]);
  });

  it("is empty without ipRanges", () => {
    expect(capabilities.ipRanges({})).toEqual([]);
  });
});

describe("capabilities.dns", () => {
  it("reads PascalCase Servers, Searches and Options (containerd)", () => {
    const rc = { dns: { Servers: ["10.96.0.10"], Searches: ["default.svc.cluster.local", "svc.cluster.local"], Options: ["ndots:5"] } };
    expect(capabilities.dns(rc)).toEqual({ servers: ["10.96.0.10"], searches: ["default.svc.cluster.local", "svc.cluster.local"], options: ["ndots:5"] });
  });

  it("reads camelCase keys and keeps only the ones present", () => {
    expect(capabilities.dns({ dns: { servers: ["1.1.1.1"] } })).toEqual({ servers: ["1.1.1.1"] });
  });

  it("filters non-string entries", () => {
    expect(capabilities.dns({ dns: { servers: ["1.1.1.1", 5, null] } })).toEqual({ servers: ["1.1.1.1"] });
  });

  it("is undefined without a dns object", () => {
    expect(capabilities.dns({})).toBeUndefined();
    expect(capabilities.dns({ dns: ["1.1.1.1"] })).toBeUndefined();
  });
});

describe("capabilities.bandwidth", () => {
  it("reads PascalCase and camelCase rates and bursts", () => {
    expect(capabilities.bandwidth({ bandwidth: { IngressRate: 1000, IngressBurst: 2000, egressRate: 3000, egressBurst: 4000 } })).toEqual({
      ingressRate: 1000,
      ingressBurst: 2000,
      egressRate: 3000,
      egressBurst: 4000,
    });
  });

  it("ignores non-numeric and non-finite values", () => {
    expect(capabilities.bandwidth({ bandwidth: { ingressRate: "1000", egressRate: Infinity, egressBurst: 5 } })).toEqual({ egressBurst: 5 });
  });

  it("is undefined without a bandwidth object", () => {
    expect(capabilities.bandwidth({})).toBeUndefined();
  });
});

describe("capabilities.ips and capabilities.mac", () => {
  it("reads the requested IPs as a list of strings", () => {
    expect(capabilities.ips({ ips: ["10.0.0.5/24", "fd00::5", 7] })).toEqual(["10.0.0.5/24", "fd00::5"]);
    expect(capabilities.ips({ IPs: ["10.0.0.6"] })).toEqual(["10.0.0.6"]);
    expect(capabilities.ips({})).toEqual([]);
  });

  it("reads the MAC, treating an empty string as absent", () => {
    expect(capabilities.mac({ mac: "c2:11:22:33:44:55" })).toBe("c2:11:22:33:44:55");
    expect(capabilities.mac({ Mac: "c2:11:22:33:44:66" })).toBe("c2:11:22:33:44:66");
    expect(capabilities.mac({ mac: "" })).toBeUndefined();
    expect(capabilities.mac({})).toBeUndefined();
  });
});

describe("capabilities.aliases", () => {
  it("reads a list of names (CONVENTIONS)", () => {
    expect(capabilities.aliases({ aliases: ["web", "www"] }, "net1")).toEqual(["web", "www"]);
  });

  it("reads CRI-O's map keyed by network name and picks this network's entry", () => {
    const rc = { aliases: { net1: ["web"], net2: ["db", "pg"] } };
    expect(capabilities.aliases(rc, "net2")).toEqual(["db", "pg"]);
    expect(capabilities.aliases(rc, "net1")).toEqual(["web"]);
    expect(capabilities.aliases(rc, "other")).toEqual([]);
  });

  it("is empty when aliases are absent or malformed", () => {
    expect(capabilities.aliases({}, "net1")).toEqual([]);
    expect(capabilities.aliases({ aliases: "web" }, "net1")).toEqual([]);
    expect(capabilities.aliases({ aliases: { net1: "web" } }, "net1")).toEqual([]);
  });
});

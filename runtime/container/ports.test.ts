import { describe, expect, it } from "vitest";
import { assignFreePorts, parsePublish } from "./ports.ts";

describe("parsePublish (docker -p)", () => {
  it("reads every form of the grammar", () => {
    expect(parsePublish("80")).toEqual([{ protocol: "tcp", containerPort: 80, hostIP: "", hostPort: 0 }]);
    expect(parsePublish("8080:80")).toEqual([{ protocol: "tcp", containerPort: 80, hostIP: "", hostPort: 8080 }]);
    expect(parsePublish("127.0.0.1::5000")).toEqual([{ protocol: "tcp", containerPort: 5000, hostIP: "127.0.0.1", hostPort: 0 }]);
    expect(parsePublish("127.0.0.1:5000:5000/udp")).toEqual([{ protocol: "udp", containerPort: 5000, hostIP: "127.0.0.1", hostPort: 5000 }]);
    expect(parsePublish("[::1]:8080:80")).toEqual([{ protocol: "tcp", containerPort: 80, hostIP: "::1", hostPort: 8080 }]);
    expect(parsePublish("8000-8001:80-81/sctp")).toEqual([
      { protocol: "sctp", containerPort: 80, hostIP: "", hostPort: 8000 },
      { protocol: "sctp", containerPort: 81, hostIP: "", hostPort: 8001 },
    ]);
  });
  it("names the problem", () => {
    expect(() => parsePublish("80/icmp")).toThrow(/invalid port specification "80\/icmp": protocol "icmp"/);
    expect(() => parsePublish("8000-8002:80-81")).toThrow(/same length/);
    expect(() => parsePublish("0:80")).toThrow(/within 1-65535/);
    expect(() => parsePublish("a:b:c:d")).toThrow(/too many ':'/);
  });
});

describe("assignFreePorts (-P)", () => {
  it("gives each unassigned binding a distinct port of the ephemeral range, avoiding taken ones", () => {
    const out = assignFreePorts([{ protocol: "tcp", containerPort: 80, hostIP: "", hostPort: 0 }, { protocol: "tcp", containerPort: 81, hostIP: "", hostPort: 0 }, { protocol: "udp", containerPort: 53, hostIP: "", hostPort: 5353 }], new Set());
    expect(out[0]!.hostPort).not.toBe(out[1]!.hostPort);
    expect(out[0]!.hostPort).toBeGreaterThanOrEqual(1024);
    expect(out[2]!.hostPort).toBe(5353);
  });
});

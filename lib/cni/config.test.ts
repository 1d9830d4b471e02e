import { describe, expect, it } from "vitest";
import { IMPLIED_VERSION, NETWORK_NAME_PATTERN, parseNetConf, peekVersion, validAttachments } from "./config.ts";
import { CniError } from "./errors.ts";
import type { NetConf } from "./types.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string): NetConf => parseNetConf(bytes(s));
const conf = (o: Record<string, unknown>): NetConf => parse(JSON.stringify(o));

function cniErr(code: number, fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(code);
    return err as CniError;
  }
  throw new Error("expected the call to throw");
}

describe("parseNetConf, decoding (code 6)", () => {
  it("rejects empty and whitespace-only stdin", () => {
    for (const s of ["", "   \n\t"]) {
      const err = cniErr(6, () => parse(s));
      expect(err.msg).toBe("missing network configuration on stdin");
      expect(err.details).toContain("stdin is empty");
    }
    cniErr(6, () => parseNetConf(new Uint8Array()));
  });

  it("rejects truncated JSON and keeps the parser's message in details", () => {
    const err = cniErr(6, () => parse('{"cniVersion":"1.0.0","name":"n'));
    expect(err.msg).toBe("failed to decode network configuration");
    expect(err.details).toBeTruthy();
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it("rejects JSON that is not an object", () => {
    for (const s of ["[]", '[{"name":"n"}]', "42", '"text"', "null", "true"]) {
      const err = cniErr(6, () => parse(s));
      expect(err.msg, s).toBe("failed to decode network configuration");
      expect(err.details, s).toMatch(/^it must be a JSON object/);
    }
  });

  it("rejects a cniVersion that is not a string", () => {
    expect(cniErr(6, () => parse('{"cniVersion":1.0,"name":"n","type":"bridge"}')).details).toBe("cniVersion must be a string, got 1");
  });
});

describe("parseNetConf, network name (code 7)", () => {
  it("answers 'missing network name' when name is absent, null or empty", () => {
    for (const name of [undefined, null, ""]) {
      expect(cniErr(7, () => conf({ cniVersion: "1.0.0", name, type: "bridge" })).msg).toBe("missing network name");
    }
  });

  it("rejects bad characters with the name as details", () => {
    for (const name of ["-net", "_net", ".net", "my net", "a/b", "net:1", "réseau", "a\\b"]) {
      const err = cniErr(7, () => conf({ cniVersion: "1.0.0", name, type: "bridge" }));
      expect(err.msg, name).toBe("invalid characters found in network name");
      expect(err.details).toBe(name);
    }
  });

  it("rejects a name that is not a string", () => {
    expect(cniErr(7, () => conf({ cniVersion: "1.0.0", name: 42, type: "bridge" })).details).toBe("42");
  });

  it("accepts names made of alphanumerics, '_', '.' and '-'", () => {
    for (const name of ["a", "9", "my-net_1.0", "K8S.pod-network"]) expect(conf({ cniVersion: "1.0.0", name, type: "bridge" }).name).toBe(name);
    expect(NETWORK_NAME_PATTERN.test("-x")).toBe(false);
  });

  it("checks the name before the type", () => {
    expect(cniErr(7, () => conf({ cniVersion: "1.0.0", name: "bad name", type: "a/b" })).msg).toBe("invalid characters found in network name");
  });
});

describe("parseNetConf, type and ipam.type (code 7)", () => {
  it("rejects a type with a path separator", () => {
    for (const type of ["../bridge", "/opt/cni/bin/bridge", "sub/bridge", "a\\b"]) {
      const err = cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type }));
      expect(err.msg).toBe(`Invalid type ${JSON.stringify(type)}: must not contain a path separator`);
    }
  });

  it("rejects a missing, empty or non-string type", () => {
    for (const type of [undefined, "", 5, ["bridge"]]) {
      expect(cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type })).msg).toBe("Missing type");
    }
  });

  it("rejects an ipam.type with a path separator", () => {
    const err = cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam: { type: "../host-local" } }));
    expect(err.msg).toBe('Invalid ipam.type "../host-local": must not contain a path separator');
  });

  it("rejects an empty or non-string ipam.type", () => {
    cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam: { type: "" } }));
    cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam: { type: ["host-local"] } }));
  });

  it("rejects an ipam that is not an object", () => {
    for (const ipam of ["host-local", [], 1]) {
      expect(cniErr(7, () => conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam })).msg).toBe("Invalid ipam");
    }
  });

  it("accepts an ipam without a type, and a null ipam", () => {
    expect(conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam: {} }).ipam).toEqual({});
    expect(() => conf({ cniVersion: "1.0.0", name: "n", type: "bridge", ipam: null })).not.toThrow();
  });
});

describe("parseNetConf, what is kept", () => {
  it("keeps every key, unknown ones and capabilities included", () => {
    const input = {
      cniVersion: "1.1.0",
      name: "net1",
      type: "bridge",
      bridge: "cni0",
      isGateway: true,
      capabilities: { portMappings: true, ipRanges: false },
      runtimeConfig: { portMappings: [{ HostPort: 80, ContainerPort: 8080, Protocol: "tcp" }] },
      args: { cni: { ips: ["10.0.0.5/24"] } },
      ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/24" }]] },
      dns: { nameservers: ["10.0.0.1"] },
      prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.0.0.5/24" }] },
      "cni.dev/some-future-key": { x: 1 },
      vendorSpecific: [1, 2, 3],
    };
    expect(conf(input)).toEqual(input);
  });

  it("reads a config without cniVersion, or with an empty one, as 0.1.0", () => {
    expect(IMPLIED_VERSION).toBe("0.1.0");
    expect(conf({ name: "n", type: "bridge" }).cniVersion).toBe("0.1.0");
    expect(conf({ cniVersion: "", name: "n", type: "bridge" }).cniVersion).toBe("0.1.0");
  });

  it("keeps the cniVersion string as given; checking it is the skel's job", () => {
    expect(conf({ cniVersion: "1.0.1", name: "n", type: "bridge" }).cniVersion).toBe("1.0.1");
    expect(conf({ cniVersion: "garbage", name: "n", type: "bridge" }).cniVersion).toBe("garbage");
  });

  it("accepts a config surrounded by whitespace", () => {
    expect(parse('\n  {"cniVersion":"1.0.0","name":"n","type":"bridge"}\n').name).toBe("n");
  });
});

describe("peekVersion", () => {
  it("reads a well-formed cniVersion from stdin bytes", () => {
    expect(peekVersion(bytes('{"cniVersion":"0.4.0","name":"bad name"}'))).toBe("0.4.0");
    expect(peekVersion(bytes('{"cniVersion":"1.0.1"}'))).toBe("1.0.1");
  });

  it("is undefined for nothing, garbage, non-objects and malformed versions", () => {
    for (const s of ["", "{trunc", "[]", "null", '"1.0.0"', "{}", '{"cniVersion":"1.1"}', '{"cniVersion":1}']) {
      expect(peekVersion(bytes(s)), s).toBeUndefined();
    }
    expect(peekVersion(undefined)).toBeUndefined();
  });
});

describe("validAttachments (GC)", () => {
  const base = { cniVersion: "1.1.0", name: "n", type: "bridge" };
  const a1 = { containerID: "c1", ifname: "eth0" };
  const a2 = { containerID: "c2", ifname: "net1" };

  it("reads cni.dev/valid-attachments", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": [a1, a2] })).toEqual([a1, a2]);
  });

  it("prefers cni.dev/valid-attachments over cni.dev/attachments when both are sent", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": [a1], "cni.dev/attachments": [a2] })).toEqual([a1]);
  });

  it("falls back to cni.dev/attachments (the spec-v1.1.0 text)", () => {
    expect(validAttachments({ ...base, "cni.dev/attachments": [a2] })).toEqual([a2]);
  });

  it("is undefined when neither key is present: no information", () => {
    expect(validAttachments({ ...base })).toBeUndefined();
  });

  it("reads null (libcni's encoding of a Go nil slice) as no information, never as 'nothing is valid'", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": null, "cni.dev/attachments": null })).toBeUndefined();
    expect(validAttachments({ ...base, "cni.dev/attachments": null })).toBeUndefined();
  });

  it("keeps an explicit empty list as [] (everything is stale), distinct from undefined", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": [] })).toEqual([]);
    expect(validAttachments({ ...base, "cni.dev/attachments": [] })).toEqual([]);
  });

  it("does not fall back when valid-attachments is an explicit empty list", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": [], "cni.dev/attachments": [a1] })).toEqual([]);
  });

  it("answers 6 when the list is not a list, naming the key", () => {
    expect(cniErr(6, () => validAttachments({ ...base, "cni.dev/valid-attachments": { containerID: "c1" } })).msg).toBe(
      "Invalid cni.dev/valid-attachments",
    );
    expect(cniErr(6, () => validAttachments({ ...base, "cni.dev/attachments": "c1" })).msg).toBe("Invalid cni.dev/attachments");
  });

  it("answers 6 for an entry without a string containerID and ifname, rather than guessing", () => {
    for (const bad of ["junk", null, { containerID: "c3" }, { containerID: 3, ifname: "eth0" }]) {
      const err = cniErr(6, () => validAttachments({ ...base, "cni.dev/valid-attachments": [a1, bad] }));
      expect(err.details).toMatch(/^entry 1 must be/);
    }
  });

  it("reduces entries to containerID and ifname", () => {
    expect(validAttachments({ ...base, "cni.dev/valid-attachments": [{ ...a1, extra: true }] })).toEqual([a1]);
  });

  it("works on a config parsed from stdin, as libcni sends it with both keys", () => {
    expect(validAttachments(conf({ ...base, "cni.dev/valid-attachments": [a1], "cni.dev/attachments": [a1] }))).toEqual([a1]);
  });
});

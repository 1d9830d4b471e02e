import { describe, expect, it } from "vitest";
import { CniError } from "./errors.ts";
import { convertResult, formatResult, ipVersionOf, normalizeResult, parsePrevResult } from "./result.ts";
import type { Result } from "./types.ts";

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
const decodeError = (fn: () => unknown): CniError => cniErr(6, fn);

/** A full 1.1 result: host bridge, host veth, container eth0; one v4 and one v6 address. */
function sample(): Result {
  return {
    cniVersion: "1.1.0",
    interfaces: [
      { name: "cni0", mac: "aa:bb:cc:dd:ee:00", mtu: 1500 },
      { name: "veth1", mac: "aa:bb:cc:dd:ee:01", mtu: 1500 },
      { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x", mtu: 1500, socketPath: "/run/vhost.sock", pciID: "0000:04:00.5" },
    ],
    ips: [
      { address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 2 },
      { address: "fd00::5/64", gateway: "fd00::1", interface: 2 },
    ],
    routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1", table: 0, scope: 0, mtu: 1400 }],
    dns: { nameservers: ["10.1.0.1"], search: ["svc.local"] },
  };
}

describe("ipVersionOf", () => {
  it('says "4" for IPv4 addresses, with or without a prefix', () => {
    expect(ipVersionOf("10.1.2.3")).toBe("4");
    expect(ipVersionOf("10.1.2.3/24")).toBe("4");
  });

  it('says "4" for IPv4-mapped IPv6 in any spelling, as Go does', () => {
    for (const a of ["::ffff:10.1.2.3", "::ffff:10.1.2.3/120", "::FFFF:a01:203/128", "0:0:0:0:0:ffff:10.1.2.3/64", "0:0:0:0:0:ffff:0a01:0203"]) {
      expect(ipVersionOf(a), a).toBe("4");
    }
  });

  it('says "6" for other IPv6 addresses, including IPv4-compatible ::a.b.c.d', () => {
    for (const a of ["fd00::5/64", "::1", "fe80::1", "2001:db8::ffff:1.2.3.4", "::10.1.2.3"]) expect(ipVersionOf(a), a).toBe("6");
  });
});

describe("normalizeResult, rejecting bad input with code 6", () => {
  it("rejects anything that is not a JSON object", () => {
    for (const raw of [null, undefined, "text", 42, [], [{ cniVersion: "1.0.0" }]]) decodeError(() => normalizeResult(raw));
  });

  it("names what it was decoding in the message", () => {
    expect(decodeError(() => normalizeResult(5, "prevResult")).msg).toBe("Invalid prevResult");
    expect(decodeError(() => normalizeResult(5)).msg).toBe("Invalid result");
    expect(decodeError(() => normalizeResult(null)).details).toContain("null");
  });

  it("uses the code it is given, e.g. 999 for berth's own results", () => {
    cniErr(999, () => normalizeResult({ ips: "x" }, "ADD result", 999));
  });

  it("rejects a cniVersion that is not a string", () => {
    expect(decodeError(() => normalizeResult({ cniVersion: 1 })).details).toBe("cniVersion must be a string");
  });

  it("rejects ips, interfaces or routes that are not lists of objects", () => {
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: { address: "10.0.0.1/24" } })).details).toBe("ips must be a list");
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: ["10.0.0.1/24"] })).details).toBe("ips[0] must be an object");
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", interfaces: "eth0" })).details).toBe("interfaces must be a list");
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", routes: [null] })).details).toBe("routes[0] must be an object");
  });

  it("rejects an ip without an address, naming its index", () => {
    const err = decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.1/24" }, { gateway: "10.0.0.1" }] }));
    expect(err.details).toMatch(/^ips\[1\]\.address must be/);
  });

  it("rejects an address without a prefix length or with one too long", () => {
    for (const address of ["10.0.0.1", "10.0.0.1/33", "fd00::1/129", "nonsense/24", "10.0.0.1/"]) {
      expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: [{ address }] })).details, address).toContain(JSON.stringify(address));
    }
  });

  it("rejects a gateway that is not an IP address", () => {
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1/24" }] })).details).toMatch(
      /^ips\[0\]\.gateway must be an IP address/,
    );
  });

  it("rejects an interface index that is not an integer, but accepts -1 (readers bounds-check)", () => {
    decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", interface: "0" }] }));
    decodeError(() => normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", interface: 0.5 }] }));
    expect(normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", interface: -1 }] }).ips).toEqual([{ address: "10.0.0.2/24", interface: -1 }]);
  });

  it("rejects an interface without a name, or with an mtu that is not an unsigned integer", () => {
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", interfaces: [{ mac: "aa:bb:cc:dd:ee:ff" }] })).details).toBe(
      "interfaces[0].name must be a string",
    );
    decodeError(() => normalizeResult({ cniVersion: "1.1.0", interfaces: [{ name: "eth0", mtu: -1 }] }));
  });

  it("rejects a route without dst, naming its index", () => {
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", routes: [{ gw: "10.0.0.1" }] })).details).toMatch(/^routes\[0\]\.dst must be/);
    decodeError(() => normalizeResult({ cniVersion: "1.0.0", routes: [{ dst: "default" }] }));
  });

  it("rejects route extension fields that are not unsigned integers", () => {
    for (const key of ["mtu", "advmss", "priority", "table", "scope"]) {
      decodeError(() => normalizeResult({ cniVersion: "1.1.0", routes: [{ dst: "0.0.0.0/0", [key]: -1 }] }));
    }
  });

  it("rejects a dns that is not an object, or with fields of the wrong type", () => {
    decodeError(() => normalizeResult({ cniVersion: "1.0.0", dns: ["8.8.8.8"] }));
    expect(decodeError(() => normalizeResult({ cniVersion: "1.0.0", dns: { nameservers: "1.1.1.1" } })).details).toContain("dns.nameservers");
    decodeError(() => normalizeResult({ cniVersion: "1.0.0", dns: { domain: 5 } }));
  });
});

describe("normalizeResult, what it returns", () => {
  it("drops ips[].version from a 0.x result", () => {
    const out = normalizeResult({
      cniVersion: "0.4.0",
      ips: [
        { version: "4", address: "10.0.0.2/24", gateway: "10.0.0.1", interface: 0 },
        { version: "6", address: "fd00::2/64" },
      ],
    });
    expect(out.ips).toEqual([{ address: "10.0.0.2/24", gateway: "10.0.0.1", interface: 0 }, { address: "fd00::2/64" }]);
    expect(out.cniVersion).toBe("0.4.0");
  });

  it("keeps unknown fields at every level", () => {
    const input = {
      cniVersion: "1.0.0",
      vendorTop: { a: 1 },
      interfaces: [{ name: "eth0", vendorItf: true }],
      ips: [{ address: "10.0.0.2/24", vendorIp: "x" }],
      routes: [{ dst: "0.0.0.0/0", vendorRoute: 3 }],
      dns: { nameservers: ["1.1.1.1"], vendorDns: "y" },
    };
    expect(normalizeResult(structuredClone(input))).toEqual(input);
  });

  it("keeps explicit zeros in route table and scope", () => {
    expect(normalizeResult({ cniVersion: "1.1.0", routes: [{ dst: "10.0.0.0/8", table: 0, scope: 0 }] }).routes).toEqual([{ dst: "10.0.0.0/8", table: 0, scope: 0 }]);
  });

  it("drops null lists and a null dns, and uses an empty cniVersion when it is missing", () => {
    expect(normalizeResult({ ips: null, routes: null, interfaces: null, dns: null })).toEqual({ cniVersion: "" });
  });

  it("accepts an empty dns object as older plugins send it", () => {
    expect(normalizeResult({ cniVersion: "0.3.1", dns: {} }).dns).toEqual({});
  });

  it("accepts an IPAM-style abbreviated result", () => {
    expect(normalizeResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }] })).toEqual({
      cniVersion: "1.0.0",
      ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }],
    });
  });

  it("does not modify its input and returns copies", () => {
    const raw = { cniVersion: "0.4.0", ips: [{ version: "4", address: "10.0.0.2/24" }], dns: { nameservers: ["1.1.1.1"] } };
    const out = normalizeResult(raw);
    expect(raw.ips[0]).toEqual({ version: "4", address: "10.0.0.2/24" });
    expect(out.dns).not.toBe(raw.dns);
  });
});

describe("parsePrevResult", () => {
  it("is undefined when the config has no prevResult or a null one", () => {
    expect(parsePrevResult({ cniVersion: "1.0.0" })).toBeUndefined();
    expect(parsePrevResult({ cniVersion: "1.0.0", prevResult: null })).toBeUndefined();
  });

  it("returns a 0.4.0 prevResult in 1.x form, keeping its own label", () => {
    const prev = parsePrevResult({ cniVersion: "0.4.0", prevResult: { cniVersion: "0.4.0", ips: [{ version: "4", address: "10.0.0.2/24" }] } });
    expect(prev).toEqual({ cniVersion: "0.4.0", ips: [{ address: "10.0.0.2/24" }] });
  });

  it("labels an unlabelled prevResult with the config's version", () => {
    expect(parsePrevResult({ cniVersion: "1.1.0", prevResult: { ips: [] } })?.cniVersion).toBe("1.1.0");
  });

  it("answers 6 for a prevResult that cannot be decoded", () => {
    expect(decodeError(() => parsePrevResult({ cniVersion: "1.0.0", prevResult: "garbage" })).msg).toBe("Invalid prevResult");
    decodeError(() => parsePrevResult({ cniVersion: "1.0.0", prevResult: { ips: [{ gateway: "10.0.0.1" }] } }));
  });
});

describe("convertResult to 0.3.x and 0.4.0", () => {
  for (const version of ["0.3.0", "0.3.1", "0.4.0"]) {
    it(`adds ips[].version and labels the result ${version}`, () => {
      const out = convertResult(sample(), version);
      expect(out.cniVersion).toBe(version);
      expect(out.ips).toEqual([
        { address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 2, version: "4" },
        { address: "fd00::5/64", gateway: "fd00::1", interface: 2, version: "6" },
      ]);
    });
  }

  it('marks an IPv4-mapped IPv6 address as version "4"', () => {
    const out = convertResult({ cniVersion: "1.0.0", ips: [{ address: "::ffff:10.1.2.3/128" }] }, "0.4.0");
    expect(out.ips).toEqual([{ address: "::ffff:10.1.2.3/128", version: "4" }]);
  });

  it("drops interfaces[].mtu, socketPath and pciID and keeps the rest", () => {
    expect(convertResult(sample(), "0.4.0").interfaces).toEqual([
      { name: "cni0", mac: "aa:bb:cc:dd:ee:00" },
      { name: "veth1", mac: "aa:bb:cc:dd:ee:01" },
      { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x" },
    ]);
  });

  it("keeps route extension fields, including explicit zeros", () => {
    expect(convertResult(sample(), "0.3.1").routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.1.0.1", table: 0, scope: 0, mtu: 1400 }]);
  });

  it("keeps an empty dns object for 0.x", () => {
    expect(convertResult({ cniVersion: "1.0.0", dns: {} }, "0.4.0").dns).toEqual({});
  });
});

describe("convertResult to 1.0.0 and 1.1.0", () => {
  it("relabels only the version and keeps the 1.1 interface and route fields for 1.0.0", () => {
    expect(convertResult(sample(), "1.0.0")).toEqual({ ...sample(), cniVersion: "1.0.0" });
  });

  it("drops ips[].version carried over from a 0.x result", () => {
    expect(convertResult({ cniVersion: "0.4.0", ips: [{ address: "10.0.0.2/24", version: "4" }] }, "1.1.0").ips).toEqual([{ address: "10.0.0.2/24" }]);
  });

  it("serialises interface index 0", () => {
    const text = formatResult({ cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.0.0.2/24", interface: 0 }] }, "1.1.0");
    expect(text).toContain('"interface":0');
    expect(JSON.parse(text).ips).toEqual([{ address: "10.0.0.2/24", interface: 0 }]);
    const old = JSON.parse(formatResult({ cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.0.0.2/24", interface: 0 }] }, "0.3.1"));
    expect(old.ips[0].interface).toBe(0);
  });

  it("drops an empty dns, whether {} or holding only empty values", () => {
    expect("dns" in convertResult({ cniVersion: "1.1.0", dns: {} }, "1.1.0")).toBe(false);
    expect("dns" in convertResult({ cniVersion: "1.1.0", dns: { nameservers: [], search: [], domain: "" } }, "1.0.0")).toBe(false);
  });

  it("keeps a dns with any content", () => {
    expect(convertResult({ cniVersion: "1.1.0", dns: { domain: "cluster.local" } }, "1.1.0").dns).toEqual({ domain: "cluster.local" });
  });

  it("preserves unknown fields at every level", () => {
    const input = {
      cniVersion: "1.1.0",
      extra: "kept",
      interfaces: [{ name: "eth0", vendor: 1 }],
      ips: [{ address: "10.0.0.2/24", vendor: 2 }],
      routes: [{ dst: "0.0.0.0/0", vendor: 3 }],
    };
    expect(convertResult(input, "1.0.0")).toEqual({ ...input, cniVersion: "1.0.0" });
    expect(convertResult(input, "0.4.0")).toMatchObject({ extra: "kept", interfaces: [{ vendor: 1 }], ips: [{ vendor: 2, version: "4" }], routes: [{ vendor: 3 }] });
  });

  it("never emits keys whose value is undefined (omitted rather than null)", () => {
    const input = { cniVersion: "1.1.0", gone: undefined, ips: [{ address: "10.0.0.2/24", gateway: undefined }] };
    expect(formatResult(input, "1.1.0")).toBe('{"cniVersion":"1.1.0","ips":[{"address":"10.0.0.2/24"}]}');
    expect(Object.keys(convertResult(input, "1.1.0"))).toEqual(["cniVersion", "ips"]);
  });

  it("does not modify the result it converts", () => {
    const input = sample();
    convertResult(input, "0.4.0");
    convertResult(input, "1.0.0");
    expect(input).toEqual(sample());
  });
});

describe("convertResult, failures", () => {
  it("answers 1 for a version berth cannot write", () => {
    for (const v of ["0.1.0", "0.2.0", "1.1", "2.0.0"]) {
      expect(cniErr(1, () => convertResult(sample(), v)).msg, v).toBe(`Cannot write a result in CNI version ${JSON.stringify(v)}`);
    }
  });

  it("answers 6 for a result it cannot decode", () => {
    decodeError(() => convertResult({ cniVersion: "1.0.0", ips: [{}] }, "1.0.0"));
  });
});

describe("round trip", () => {
  it("a 1.x result converted to 0.4.0 and normalised back equals the original minus the 1.1 interface fields", () => {
    const back = normalizeResult(JSON.parse(formatResult(sample(), "0.4.0")));
    const expected = sample();
    expected.cniVersion = "0.4.0";
    expected.interfaces = expected.interfaces?.map(({ mtu: _m, socketPath: _s, pciID: _p, ...rest }) => rest);
    expect(back).toEqual(expected);
  });
});

import { describe, expect, it } from "vitest";
import { CniError } from "./errors.ts";
import {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  assertSupported,
  assertVerbAllowed,
  atLeast,
  isSupportedVersion,
  compareVersions,
  isV1,
  parseVersion,
  versionInfo,
  versionReply,
} from "./version.ts";

function thrown(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error("expected the call to throw");
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("supported versions", () => {
  it("lists every version berth can emit, as exact strings, newest last", () => {
    expect([...SUPPORTED_VERSIONS]).toEqual(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
    expect(CURRENT_VERSION).toBe("1.1.0");
  });
});

describe("parseVersion and compareVersions", () => {
  it("parses major.minor.patch", () => {
    expect(parseVersion("1.1.0")).toEqual([1, 1, 0]);
    expect(parseVersion("0.3.1")).toEqual([0, 3, 1]);
    expect(parseVersion("10.20.30")).toEqual([10, 20, 30]);
  });

  it("reads a semantic version with a pre-release or build suffix by its three numbers", () => {
    expect(parseVersion("1.0.0-rc1")).toEqual([1, 0, 0]);
    expect(parseVersion("1.1.0+build.5")).toEqual([1, 1, 0]);
  });

  it("rejects anything that is not a semantic version", () => {
    for (const v of ["1.1", "1", "", "v1.0.0", "1.0.0.0", "1.0.x", " 1.0.0", "1.0.0 ", "01.0.0", "1.00.0", "1.0.0-"]) expect(parseVersion(v), v).toBeUndefined();
  });

  it("compares numerically, not as text", () => {
    expect(compareVersions("0.10.0", "0.9.0")).toBe(1);
    expect(compareVersions("0.3.0", "0.3.1")).toBe(-1);
    expect(compareVersions("1.0.0", "1.0.0")).toBe(0);
    expect(compareVersions("1.0.0", "0.4.0")).toBe(1);
  });

  it("sorts unparseable versions below every real one", () => {
    expect(compareVersions("garbage", "0.0.0")).toBe(-1);
    expect(compareVersions("0.1.0", "")).toBe(1);
  });

  it("atLeast and isV1 follow the comparison", () => {
    expect(atLeast("0.4.0", "0.4.0")).toBe(true);
    expect(atLeast("0.3.1", "0.4.0")).toBe(false);
    expect(isV1("1.0.0")).toBe(true);
    expect(isV1("1.1.0")).toBe(true);
    expect(isV1("0.4.0")).toBe(false);
    expect(isV1("0.3.0")).toBe(false);
  });
});

describe("assertSupported", () => {
  it("accepts each supported version", () => {
    for (const v of SUPPORTED_VERSIONS) {
      expect(() => assertSupported(v)).not.toThrow();
      expect(isSupportedVersion(v)).toBe(true);
    }
  });

  it("matches exact strings only: 1.1 is not 1.1.0", () => {
    expect(thrown(() => assertSupported("1.1")).code).toBe(1);
    expect(thrown(() => assertSupported("1.1.0-rc1")).code).toBe(1);
    expect(isSupportedVersion("1.1")).toBe(false);
  });

  it("answers code 1 naming the config version and the supported list", () => {
    const err = thrown(() => assertSupported("1.0.1"));
    expect(err.code).toBe(1);
    expect(err.msg).toBe("incompatible CNI versions");
    expect(err.details).toBe('config is "1.0.1", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]');
  });

  it("rejects the legacy versions berth does not implement", () => {
    for (const v of ["0.1.0", "0.2.0", "2.0.0"]) expect(thrown(() => assertSupported(v)).code, v).toBe(1);
  });
});

describe("assertVerbAllowed", () => {
  it("refuses CHECK below 0.4.0 with code 1", () => {
    for (const v of ["0.3.0", "0.3.1"]) {
      const err = thrown(() => assertVerbAllowed("CHECK", v));
      expect(err.details).toContain("0.4.0");
      expect(err.code).toBe(1);
      expect(err.msg).toBe("config version does not allow CHECK");
      expect(err.details).toContain(`"${v}"`);
    }
  });

  it("allows CHECK from 0.4.0 on", () => {
    for (const v of ["0.4.0", "1.0.0", "1.1.0"]) expect(() => assertVerbAllowed("CHECK", v)).not.toThrow();
  });

  it("refuses GC and STATUS below 1.1.0 with code 1", () => {
    for (const verb of ["GC", "STATUS"] as const) {
      for (const v of ["0.3.1", "0.4.0", "1.0.0"]) {
        const err = thrown(() => assertVerbAllowed(verb, v));
        expect(err.code).toBe(1);
        expect(err.msg).toBe(`config version does not allow ${verb}`);
        expect(err.details).toContain("1.1.0");
      }
      expect(() => assertVerbAllowed(verb, "1.1.0")).not.toThrow();
    }
  });

  it("places no version limit on ADD and DEL", () => {
    for (const verb of ["ADD", "DEL", "VERSION"] as const) expect(() => assertVerbAllowed(verb, "0.3.0")).not.toThrow();
  });
});

describe("versionInfo", () => {
  it("echoes a supported input version", () => {
    expect(versionInfo("1.0.0")).toEqual({ cniVersion: "1.0.0", supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] });
    expect(versionInfo("0.4.0").cniVersion).toBe("0.4.0");
  });

  it("echoes a well-formed version even when it is not supported", () => {
    expect(versionInfo("1.0.1").cniVersion).toBe("1.0.1");
    expect(versionInfo("9.9.9").cniVersion).toBe("9.9.9");
    expect(versionInfo("1.1.0-rc1").cniVersion).toBe("1.1.0-rc1");
  });

  it("falls back to 1.1.0 for garbage, missing or non-string versions", () => {
    for (const v of ["garbage", "1.1", "", undefined, null, 1, { v: 1 }]) expect(versionInfo(v).cniVersion).toBe("1.1.0");
    expect(versionInfo().cniVersion).toBe("1.1.0");
  });

  it("returns a fresh supportedVersions array each time", () => {
    const a = versionInfo("1.0.0");
    a.supportedVersions.push("9.9.9");
    expect(versionInfo("1.0.0").supportedVersions).not.toContain("9.9.9");
  });
});

describe("versionReply", () => {
  const reply = (input: Uint8Array | undefined): unknown => JSON.parse(versionReply(input));

  it("answers with 1.1.0 for empty or missing stdin", () => {
    expect(reply(undefined)).toEqual({ cniVersion: "1.1.0", supportedVersions: [...SUPPORTED_VERSIONS] });
    expect(reply(new Uint8Array())).toMatchObject({ cniVersion: "1.1.0" });
  });

  it("echoes the cniVersion of a JSON stdin", () => {
    expect(reply(bytes('{"cniVersion":"1.0.0"}'))).toMatchObject({ cniVersion: "1.0.0" });
    expect(reply(bytes('{"cniVersion":"0.3.1","name":"x","type":"bridge"}'))).toMatchObject({ cniVersion: "0.3.1" });
  });

  it("never fails on garbage, non-object JSON or a config without cniVersion", () => {
    for (const input of ["{not json", "null", "42", "[]", '"1.0.0"', "{}", '{"cniVersion":7}', "\u00ff\u00fe"]) {
      expect(reply(bytes(input)), input).toEqual({ cniVersion: "1.1.0", supportedVersions: [...SUPPORTED_VERSIONS] });
    }
  });

  it("prints exactly one compact JSON object", () => {
    const text = versionReply(bytes('{"cniVersion":"1.0.0"}'));
    expect(text).toBe('{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}');
  });
});

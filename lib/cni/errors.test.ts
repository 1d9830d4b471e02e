import { describe, expect, it } from "vitest";
import { CniError, CniErrorCode, causeChain, cniError, isCniError, toErrorJson } from "./errors.ts";

describe("the well-known error codes", () => {
  it("match the numbers in the spec's error table", () => {
    expect(CniErrorCode).toEqual({
      INCOMPATIBLE_VERSION: 1,
      UNSUPPORTED_FIELD: 2,
      UNKNOWN_CONTAINER: 3,
      INVALID_ENV: 4,
      IO: 5,
      DECODE: 6,
      INVALID_CONFIG: 7,
      TRY_AGAIN: 11,
      NOT_AVAILABLE: 50,
      NOT_AVAILABLE_DEGRADED: 51,
      INTERNAL: 999,
    });
  });
});

describe("CniError", () => {
  it("carries code, msg and details separately and is a real Error", () => {
    const err = new CniError(7, "invalid network config", "subnet too small");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("CniError");
    expect(err.code).toBe(7);
    expect(err.msg).toBe("invalid network config");
    expect(err.details).toBe("subnet too small");
    expect(err.message).toBe("invalid network config: subnet too small");
  });

  it("uses msg alone as the message when there are no details", () => {
    const err = cniError(11, "try again later");
    expect(err.message).toBe("try again later");
    expect(err.details).toBeUndefined();
  });

  it("keeps the cause it was given", () => {
    const cause = new Error("disk full");
    expect(cniError(5, "write failed", undefined, { cause }).cause).toBe(cause);
  });

  it("is recognised by isCniError, while plain errors and other values are not", () => {
    expect(isCniError(cniError(4, "x"))).toBe(true);
    expect(isCniError(new Error("x"))).toBe(false);
    expect(isCniError({ code: 4, msg: "x" })).toBe(false);
    expect(isCniError(undefined)).toBe(false);
  });
});

describe("causeChain", () => {
  it("joins the messages of an error and its causes with ': '", () => {
    const err = new Error("top", { cause: new Error("middle", { cause: new Error("bottom") }) });
    expect(causeChain(err)).toBe("top: middle: bottom");
  });

  it("turns non-Error causes into text", () => {
    expect(causeChain(new Error("top", { cause: "a string cause" }))).toBe("top: a string cause");
    expect(causeChain("just text")).toBe("just text");
  });

  it("leaves out a cause whose message is already contained in an earlier one", () => {
    const err = new Error("open /x: ENOENT", { cause: new Error("ENOENT") });
    expect(causeChain(err)).toBe("open /x: ENOENT");
  });

  it("stops after eight levels even when causes loop", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(causeChain(a)).toBe("a: b");
    let deep: Error = new Error("e0");
    for (let i = 1; i < 20; i++) deep = new Error(`e${i}`, { cause: deep });
    expect(causeChain(deep).split(": ")).toHaveLength(8);
  });

  it("leaves out empty messages", () => {
    expect(causeChain(new Error("top", { cause: new Error("") }))).toBe("top");
  });

  it("is empty for undefined and null", () => {
    expect(causeChain(undefined)).toBe("");
    expect(causeChain(null)).toBe("");
  });
});

describe("toErrorJson", () => {
  it("keeps a CniError's code, msg and details and sets cniVersion", () => {
    const json = toErrorJson(cniError(7, "invalid characters found in network name", "bad/name"), "1.0.0");
    expect(json).toEqual({ cniVersion: "1.0.0", code: 7, msg: "invalid characters found in network name", details: "bad/name" });
  });

  it("always includes all four keys, with empty details when a CniError has neither details nor a cause", () => {
    const json = toErrorJson(cniError(11, "busy"), "1.1.0");
    expect(json).toEqual({ cniVersion: "1.1.0", code: 11, msg: "busy", details: "" });
    expect(Object.keys(json).sort()).toEqual(["cniVersion", "code", "details", "msg"]);
  });

  it("puts the cause chain in details when a CniError has no details of its own", () => {
    const cause = new Error("netlink: file exists", { cause: new Error("EEXIST") });
    const json = toErrorJson(cniError(100, "cannot create bridge", undefined, { cause }), "1.1.0");
    expect(json).toEqual({ cniVersion: "1.1.0", code: 100, msg: "cannot create bridge", details: "netlink: file exists: EEXIST" });
  });

  it("prefers explicit details over the cause chain", () => {
    const json = toErrorJson(cniError(100, "m", "explicit", { cause: new Error("hidden") }), "1.1.0");
    expect(json.details).toBe("explicit");
  });

  it("answers 999 for a plain Error, with the message as msg", () => {
    expect(toErrorJson(new Error("boom"), "0.4.0")).toEqual({ cniVersion: "0.4.0", code: 999, msg: "boom", details: "boom" });
  });

  it("puts the whole cause chain of a plain Error in details", () => {
    const json = toErrorJson(new Error("outer", { cause: new Error("inner") }), "1.0.0");
    expect(json).toEqual({ cniVersion: "1.0.0", code: 999, msg: "outer", details: "outer: inner" });
  });

  it("answers 999 for thrown values that are not Errors", () => {
    expect(toErrorJson("oops", "1.1.0")).toEqual({ cniVersion: "1.1.0", code: 999, msg: "oops", details: "oops" });
    expect(toErrorJson(42, "1.1.0")).toMatchObject({ code: 999, msg: "42" });
    expect(toErrorJson(undefined, "1.1.0")).toMatchObject({ code: 999, msg: "undefined" });
  });

  it("keeps the numeric code of an error that is not a CniError (such as an IPAM error)", () => {
    class IpamError extends Error {
      constructor(
        readonly code: number,
        message: string,
        options?: { cause?: unknown },
      ) {
        super(message, options);
      }
    }
    expect(toErrorJson(new IpamError(11, "store locked"), "1.1.0")).toMatchObject({ cniVersion: "1.1.0", code: 11, msg: "store locked" });
    const withCause = toErrorJson(new IpamError(100, "no free address", { cause: new Error("range 10.0.0.0/30 full") }), "1.1.0");
    expect(withCause).toEqual({ cniVersion: "1.1.0", code: 100, msg: "no free address", details: "no free address: range 10.0.0.0/30 full" });
  });

  it("does not take a string, negative or fractional code as a CNI code", () => {
    const enoent = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT", errno: -2 });
    expect(toErrorJson(enoent, "1.1.0").code).toBe(999);
    expect(toErrorJson(Object.assign(new Error("x"), { code: -5 }), "1.1.0").code).toBe(999);
    expect(toErrorJson(Object.assign(new Error("x"), { code: 0 }), "1.1.0").code).toBe(999);
    expect(toErrorJson(Object.assign(new Error("x"), { code: 1.5 }), "1.1.0").code).toBe(999);
  });

  it("produces JSON that survives a round trip through JSON.stringify", () => {
    const json = toErrorJson(cniError(4, "required env variables [CNI_NETNS] missing"), "1.1.0");
    expect(JSON.parse(JSON.stringify(json))).toEqual({ cniVersion: "1.1.0", code: 4, msg: "required env variables [CNI_NETNS] missing", details: "" });
  });
});

import { describe, expect, it } from "vitest";
import { AbortedError, decodeErrors, RegistryError, RegistryResponseError } from "./errors.ts";

describe("registry error decoding", () => {
  it("turns the distribution API's errors list into one line naming the image and the code", () => {
    const body = JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "latest" } }] });
    const inner = new RegistryResponseError(404, decodeErrors(404, "Not Found", body));
    const err = new RegistryError("pull", "127.0.0.1:5000/foo:latest", inner);
    expect(err.message).toBe("pull 127.0.0.1:5000/foo:latest: MANIFEST_UNKNOWN: manifest unknown");
    expect(err.code).toBe("MANIFEST_UNKNOWN");
    expect(err.cause).toBe(inner);
  });

  it("keeps every error of the list and flattens multi-line messages", () => {
    const body = JSON.stringify({ errors: [{ code: "DENIED", message: "no\nway" }, { code: "UNAUTHORIZED", message: "login" }] });
    expect(new RegistryResponseError(403, decodeErrors(403, "", body)).message).toBe("DENIED: no way; UNAUTHORIZED: login");
  });

  it("falls back on the HTTP status for bodies that are not an errors list", () => {
    expect(decodeErrors(401, "Unauthorized", "")).toEqual([{ code: "UNAUTHORIZED", message: "authentication required" }]);
    expect(decodeErrors(404, "Not Found", "<html>404</html>")).toEqual([{ code: "NOT_FOUND", message: "not found" }]);
    expect(decodeErrors(502, "Bad Gateway", '{"errors":[]}')).toEqual([{ code: "HTTP_502", message: "Bad Gateway" }]);
    expect(decodeErrors(500, "", '{"errors":[{"message":"boom"}]}')).toEqual([{ code: "HTTP_500", message: "boom" }]);
  });

  it("finds the code through wrapping errors, and reports an abort as ABORTED", () => {
    const inner = new RegistryResponseError(404, [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }]);
    expect(new RegistryError("pull", "x:1", new Error("layer sha256:abc", { cause: inner })).code).toBe("BLOB_UNKNOWN");
    const aborted = new RegistryError("push", "x:1", new AbortedError());
    expect([aborted.code, aborted.message]).toEqual(["ABORTED", "push x:1: aborted"]);
    expect(new RegistryError("push", "x:1", new Error("disk full")).code).toBeUndefined();
  });
});

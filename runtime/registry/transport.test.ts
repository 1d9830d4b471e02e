import { describe, expect, it } from "vitest";
import { registryKey } from "./credentials.ts";
import { apiHost, checkTransport, insecureRegistriesFromEnv, isLoopbackHost, plainHttpAllowed, splitHostPort, TransportPolicyError } from "./transport.ts";

describe("transport policy", () => {
  it("knows loopback addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["128.0.0.1", "10.0.0.1", "127.0.0.256", "localhost.example.com", "::2", "registry"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("splits host and port, IPv6 in brackets included", () => {
    expect(splitHostPort("127.0.0.1:5000")).toEqual({ host: "127.0.0.1", port: "5000" });
    expect(splitHostPort("[::1]:5000")).toEqual({ host: "::1", port: "5000" });
    expect(splitHostPort("registry.example")).toEqual({ host: "registry.example", port: undefined });
  });

  it("allows plain HTTP for loopback and listed registries only", () => {
    expect(plainHttpAllowed("127.0.0.1:5000", [])).toBe(true);
    expect(plainHttpAllowed("[::1]:5000", [])).toBe(true);
    expect(plainHttpAllowed("localhost:5000", [])).toBe(true);
    expect(plainHttpAllowed("registry.lan:5000", [])).toBe(false);
    expect(plainHttpAllowed("registry.lan:5000", ["registry.lan:5000"])).toBe(true);
    expect(plainHttpAllowed("registry.lan:5000", ["registry.lan"])).toBe(true); // a bare host covers its ports
    expect(plainHttpAllowed("registry.lan:5000", ["registry.lan:5001"])).toBe(false);
  });

  it("reads BERTH_INSECURE_REGISTRIES as a comma list", () => {
    expect(insecureRegistriesFromEnv({ BERTH_INSECURE_REGISTRIES: " a.lan:5000, http://b.lan/ ,," })).toEqual(["a.lan:5000", "b.lan"]);
    expect(insecureRegistriesFromEnv({})).toEqual([]);
  });

  it("refuses plain HTTP elsewhere with an error naming the registry and the fix", () => {
    expect(() => checkTransport(new URL("https://registry.lan/v2/"), [])).not.toThrow();
    expect(() => checkTransport(new URL("http://127.0.0.1:5000/v2/"), [])).not.toThrow();
    let err: unknown;
    try {
      checkTransport(new URL("http://registry.lan:5000/v2/"), [], "GET /v2/");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportPolicyError);
    expect((err as Error).message).toBe(
      "refusing plain HTTP to registry.lan:5000 (GET /v2/): berth speaks HTTPS to registries except on loopback; " +
        "if this registry is trusted and has no TLS, list it in BERTH_INSECURE_REGISTRIES=registry.lan:5000",
    );
    expect(() => checkTransport(new URL("ftp://x/"), [])).toThrowError(/unsupported URL scheme/);
  });

  it("maps Docker Hub's names to its API host and its auth.json key", () => {
    expect(apiHost("docker.io")).toBe("registry-1.docker.io");
    expect(apiHost("127.0.0.1:5000")).toBe("127.0.0.1:5000");
    expect(registryKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(registryKey("http://127.0.0.1:5000")).toBe("127.0.0.1:5000");
    expect(registryKey("Registry.Example:443/path")).toBe("registry.example:443");
  });
});

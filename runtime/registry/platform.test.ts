import { describe, expect, it } from "vitest";
import type { Descriptor } from "./manifest.ts";
import { MediaType, parseManifest } from "./manifest.ts";
import { formatPlatform, parsePlatform, selectPlatform } from "./platform.ts";

const d = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: MediaType.OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

describe("parsePlatform", () => {
  it("reads os/arch[/variant] and normalises architecture aliases", () => {
    expect(parsePlatform("linux/amd64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("linux/x86_64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("linux/aarch64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("linux/arm/v6")).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(parsePlatform("linux/armhf")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(formatPlatform(parsePlatform("Linux/ARM64/v8"))).toBe("linux/arm64/v8");
  });

  it("refuses what is not a platform", () => {
    expect(() => parsePlatform("amd64")).toThrowError(/invalid platform "amd64": expected os\/arch/);
    expect(() => parsePlatform("linux/arm/v7/x")).toThrowError(/invalid platform/);
    expect(() => parsePlatform("linux//")).toThrowError(/invalid platform/);
  });
});

describe("selectPlatform", () => {
  const index = [d(1, "linux", "arm", "v6"), d(2, "linux", "arm", "v7"), d(3, "linux", "arm64", "v8"), d(4, "linux", "amd64"), d(5, "unknown", "unknown"), d(6, "windows", "amd64")];

  it("picks the entry of the wanted os and architecture", () => {
    expect(selectPlatform(index, { os: "linux", architecture: "amd64" }).digest).toBe(index[3]?.digest);
    expect(selectPlatform(index, { os: "windows", architecture: "amd64" }).digest).toBe(index[5]?.digest);
  });

  it("matches variants, with arm64's implied v8 and arm's default v7", () => {
    expect(selectPlatform(index, parsePlatform("linux/arm64")).digest).toBe(index[2]?.digest);
    expect(selectPlatform(index, parsePlatform("linux/arm")).digest).toBe(index[1]?.digest);
    expect(selectPlatform(index, parsePlatform("linux/arm/v6")).digest).toBe(index[0]?.digest);
    // an arm64 entry without a variant is the v8 one
    expect(selectPlatform([d(7, "linux", "arm64")], parsePlatform("linux/arm64/v8")).digest).toBe(d(7, "linux", "arm64").digest);
  });

  it("names the platforms the index has when none fits", () => {
    expect(() => selectPlatform(index, parsePlatform("linux/s390x"))).toThrowError(
      "no image for platform linux/s390x: the index has linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/amd64, windows/amd64",
    );
    expect(() => selectPlatform(index, parsePlatform("linux/arm/v5"))).toThrowError(/no image for platform linux\/arm\/v5/);
  });
});

describe("parseManifest", () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const cfg = { mediaType: MediaType.OCI_CONFIG, digest: `sha256:${"a".repeat(64)}`, size: 2 };

  it("tells images from indexes by mediaType, Content-Type or shape", () => {
    expect(parseManifest(enc({ schemaVersion: 2, mediaType: MediaType.DOCKER_MANIFEST, config: cfg, layers: [] })).kind).toBe("manifest");
    expect(parseManifest(enc({ schemaVersion: 2, config: cfg, layers: [] }), MediaType.DOCKER_MANIFEST).mediaType).toBe(MediaType.DOCKER_MANIFEST);
    expect(parseManifest(enc({ schemaVersion: 2, manifests: [d(4, "linux", "amd64")] })).kind).toBe("index");
  });

  it("refuses schema1 and malformed descriptors, naming the manifest", () => {
    expect(() => parseManifest(enc({ schemaVersion: 1, fsLayers: [] }), undefined, "sha256:x")).toThrowError(/manifest sha256:x: Docker schema1/);
    expect(() => parseManifest(enc({ schemaVersion: 2, config: { ...cfg, digest: "md5:00" }, layers: [] }))).toThrowError(/invalid config digest "md5:00"/);
    expect(() => parseManifest(enc({ schemaVersion: 2, config: cfg, layers: [{ ...cfg, size: -1 }] }))).toThrowError(/layers\[0\] .* has no valid size/);
    expect(() => parseManifest(new TextEncoder().encode("{nope"))).toThrowError(/not valid JSON/);
  });
});

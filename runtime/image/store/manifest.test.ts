import { describe, expect, it } from "vitest";
import { documentKind, parseConfig, parseIndex, parseManifest } from "./manifest.ts";
import { layerCompression, sniffCompression } from "./media-types.ts";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const bytes = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
const manifest = (over: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: D1, size: 10 },
  layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: D2, size: 20 }],
  ...over,
});
const config = (over: Record<string, unknown> = {}) => ({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [D2] }, ...over });

describe("manifests, indexes and configs", () => {
  it("parses an OCI manifest and a Docker schema 2 one, keeping layer media types", () => {
    expect(parseManifest(bytes(manifest()), "m").layers[0]?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    const docker = manifest({
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: D1, size: 1 },
      layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: D2, size: 2 }],
    });
    expect(parseManifest(bytes(docker), "m").mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(documentKind(bytes(docker), "m")).toBe("manifest");
  });

  it.each([
    ["{not json", /^manifest sha256:x: not valid JSON/],
    [manifest({ mediaType: "application/vnd.example+json" }), /unknown manifest media type "application\/vnd.example\+json"/],
    [manifest({ schemaVersion: 1 }), /schemaVersion 1 is not supported/],
    [manifest({ config: { mediaType: "text/plain", digest: D1, size: 1 } }), /config sha256:1+ has an unsupported media type "text\/plain"/],
    [manifest({ layers: [{ mediaType: "application/x-tar", digest: D2, size: 1 }] }), /layer sha256:2+ has an unknown media type "application\/x-tar"/],
    [manifest({ layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: "md5:abc", size: 1 }] }), /layer 0 has an invalid digest "md5:abc"/],
    [manifest({ layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: D2, size: -1 }] }), /invalid size -1/],
    [manifest({ layers: undefined }), /has no layers array/],
  ])("refuses a bad manifest (%#), naming it", (doc, reason) => {
    expect(() => parseManifest(bytes(doc), "manifest sha256:x")).toThrow(reason);
  });

  it("tells manifests from indexes, and refuses unknown documents", () => {
    const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: D1, size: 3 }] };
    expect(documentKind(bytes(index), "i")).toBe("index");
    expect(parseIndex(bytes(index), "i").manifests).toHaveLength(1);
    expect(documentKind(bytes({ ...index, mediaType: undefined }), "i")).toBe("index");
    expect(() => documentKind(bytes({ mediaType: "application/json" }), "blobs/sha256/aa in x.tar")).toThrow('blobs/sha256/aa in x.tar: unknown media type "application/json"');
    expect(() => parseIndex(bytes({ schemaVersion: 2 }), "index.json in x.tar")).toThrow("index.json in x.tar: has no manifests array");
  });

  it.each([
    [config({ architecture: undefined }), /has no architecture/],
    [config({ os: "" }), /has no os/],
    [config({ rootfs: { type: "layers" } }), /has no rootfs/],
    [config({ rootfs: { type: "layers", diff_ids: ["sha256:short"] } }), /invalid diff_id "sha256:short"/],
    [config({ config: [] }), /config is not an object/],
    [config({ history: {} }), /history is not an array/],
    ["[]", /not a JSON object/],
  ])("refuses a bad config (%#), naming it", (doc, reason) => {
    expect(() => parseConfig(bytes(doc), "config sha256:c")).toThrow(reason);
    expect(() => parseConfig(bytes(doc), "config sha256:c")).toThrow(/^config sha256:c: /);
  });

  it("accepts a config with a null config section (docker writes one for FROM scratch images)", () => {
    expect(parseConfig(bytes(config({ config: null })), "c").config).toBeUndefined();
  });

  it("knows layer compressions by media type and by magic bytes", () => {
    expect(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe("gzip");
    expect(layerCompression("application/vnd.oci.image.layer.v1.tar")).toBe("none");
    expect(layerCompression("application/json")).toBeUndefined();
    expect(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
    expect(sniffCompression(Buffer.from("bin/"))).toBe("none");
  });
});

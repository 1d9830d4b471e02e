import { describe, expect, it } from "vitest";
import { cleanPath } from "./merged-tree.ts";
import { chainIds } from "./snapshots.ts";
import { detectCompression } from "./decompress.ts";

describe("cleanPath", () => {
  it("drops a leading slash and dots, applies .. lexically, and refuses climbing above the root", () => {
    expect(cleanPath("/etc/passwd")).toEqual(["etc", "passwd"]);
    expect(cleanPath("./a//b/./c/")).toEqual(["a", "b", "c"]);
    expect(cleanPath("a/../b")).toEqual(["b"]);
    expect(cleanPath("./")).toEqual([]);
    expect(cleanPath("a/../../etc/passwd")).toBeNull();
    expect(cleanPath("/../x")).toBeNull();
  });
});

describe("chainIds", () => {
  // Expected values computed with sha256sum from the OCI image spec's definition.
  const a = "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
  const b = "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
  const c = "sha256:2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6";
  it("follows the OCI definition", () => {
    expect(chainIds([a, b, c])).toEqual([
      a,
      "sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676",
      "sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106",
    ]);
  });
  it("refuses a malformed diff ID (it becomes a directory name)", () => {
    expect(() => chainIds(["sha256:../../etc"])).toThrowError(/not a valid diff ID/);
  });
});

describe("detectCompression", () => {
  it("knows gzip and zstd by their magic bytes", () => {
    expect(detectCompression(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(detectCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
    expect(detectCompression(new Uint8Array([0x61, 0x00]))).toBe("none");
  });
});

import { describe, expect, it } from "vitest";
import { displayReference, familiar, formatReference, normalizeReference, parseReference, withDefaultTag } from "./reference.ts";

const D = `sha256:${"ab".repeat(32)}`;

describe("image references (docker's normalisation)", () => {
  it.each([
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["index.docker.io/library/busybox:1", "docker.io/library/busybox:1"],
    ["foo/bar", "docker.io/foo/bar:latest"],
    ["foo/bar/baz:v2", "docker.io/foo/bar/baz:v2"],
    ["localhost/foo", "localhost/foo:latest"],
    ["localhost:5000/foo:x", "localhost:5000/foo:x"],
    ["host:5000/a/b", "host:5000/a/b:latest"],
    ["registry.example.com/team/app", "registry.example.com/team/app:latest"],
    ["Registry/app", "Registry/app:latest"],
    ["[::1]:5000/app", "[::1]:5000/app:latest"],
    ["a__b-c/d.e_f", "docker.io/a__b-c/d.e_f:latest"],
    [`host:5000/a/b@${D}`, `host:5000/a/b@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`],
    ["localhost:5000", "docker.io/library/localhost:5000"],
  ])("%s → %s", (input, full) => {
    expect(normalizeReference(input)).toBe(full);
  });

  it.each([
    ["", /empty/],
    ["Busybox", /must be lowercase/],
    ["busybox:", /bad tag/],
    ["busybox:-x", /bad tag/],
    [`busybox:${"x".repeat(129)}`, /bad tag/],
    ["busybox@sha256:abc", /bad digest/],
    [`busybox@sha256:${"AB".repeat(32)}`, /64 lower-case/],
    ["ab".repeat(32), /64-byte hexadecimal/],
    ["foo//bar", /bad repository name/],
    ["foo/-bar", /bad repository name/],
    ["-host.com/x", /bad registry host/],
    ["a_b.com/x", /bad registry host/],
    [`${"a".repeat(250)}/bbbbbb`, /longer than 255/],
  ])("refuses %j", (input, reason) => {
    expect(() => parseReference(input)).toThrow(reason);
    expect(() => parseReference(input)).toThrow(JSON.stringify(input));
  });

  it("keeps tag and digest apart and defaults the tag only when neither is given", () => {
    expect(parseReference("busybox")).toEqual({ domain: "docker.io", path: "library/busybox" });
    expect(withDefaultTag(parseReference(`busybox@${D}`))).toEqual({ domain: "docker.io", path: "library/busybox", digest: D });
    expect(formatReference(parseReference("localhost:5000/a:b"))).toBe("localhost:5000/a:b");
  });

  it.each([
    ["docker.io/library/busybox:latest", "busybox:latest"],
    ["docker.io/foo/bar:1", "foo/bar:1"],
    ["docker.io/library/a/b:1", "library/a/b:1"],
    ["localhost:5000/x:y", "localhost:5000/x:y"],
    [`docker.io/library/busybox@${D}`, `busybox@${D}`],
    ["not a ref", "not a ref"],
  ])("shows %s as %s", (full, shown) => {
    expect(familiar(full)).toBe(shown);
  });

  it("names what the user typed with the default tag in messages", () => {
    expect(displayReference("foo")).toBe("foo:latest");
    expect(displayReference("docker.io/library/foo:1")).toBe("foo:1");
    expect(displayReference("Not/Valid!")).toBe("Not/Valid!");
  });
});

import { describe, expect, it } from "vitest";
import { parseBytes, splitRun } from "./run-args.ts";

describe("splitRun", () => {
  it("stops at the image: the command keeps its own options", () => {
    expect(splitRun(["-d", "-p", "80:80", "--name", "web", "busybox", "httpd", "-f", "-p", "80"])).toEqual({ options: ["-d", "-p", "80:80", "--name", "web"], image: "busybox", command: ["httpd", "-f", "-p", "80"] });
    expect(splitRun(["-it", "--rm", "--net=none", "busybox"])).toEqual({ options: ["-it", "--rm", "--net=none"], image: "busybox", command: [] });
    expect(splitRun(["-e", "A=1"]).image).toBeUndefined();
  });
});

describe("parseBytes", () => {
  it("reads docker's units", () => {
    expect(parseBytes("32m")).toBe(32 << 20);
    expect(parseBytes("1g")).toBe(1 << 30);
    expect(parseBytes("512")).toBe(512);
    expect(() => parseBytes("lots")).toThrow(/invalid size "lots"/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { buildSpec, processArgs, processEnv, type RunOptions } from "./spec.ts";
import { resolveUser } from "./user.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const base: RunOptions = {
  id: "c1", rootfs: "/r", image: { Cmd: ["sh"] }, command: [], env: [], user: { uid: 0, gid: 0 }, terminal: false,
  hostname: "c1", netns: "/run/netns/x", binds: [], resources: {}, cgroupsPath: "/berth/c1", nofile: 1024,
};

describe("processArgs / processEnv (Docker's rules)", () => {
  it("combines Entrypoint and Cmd; a command replaces Cmd; --entrypoint drops the image's Cmd", () => {
    expect(processArgs({ Entrypoint: ["/ep"], Cmd: ["a"] }, undefined, [])).toEqual(["/ep", "a"]);
    expect(processArgs({ Entrypoint: ["/ep"], Cmd: ["a"] }, undefined, ["b"])).toEqual(["/ep", "b"]);
    expect(processArgs({ Entrypoint: ["/ep"], Cmd: ["a"] }, "/other", [])).toEqual(["/other"]);
    expect(processArgs({ Entrypoint: ["/ep"], Cmd: ["a"] }, "", ["ls"])).toEqual(["ls"]);
  });
  it("image env, default PATH, HOSTNAME, then -e wins", () => {
    expect(processEnv({ Env: ["A=1"] }, "h", ["A=2", "B=3"], false)).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=h", "A=2", "B=3"]);
  });
});

describe("buildSpec", () => {
  it("applies Docker's defaults and the resources asked for", () => {
    const s = buildSpec({ ...base, resources: { memoryBytes: 32 << 20, cpus: 0.5, cpuShares: 512, pidsLimit: 20 }, binds: [{ source: "/h", destination: "/etc/hosts", readonly: false }] }) as {
      process: { capabilities: { bounding: string[] } }; linux: { resources: Record<string, unknown>; namespaces: { type: string; path?: string }[]; maskedPaths: string[] }; mounts: { destination: string }[];
    };
    expect(s.process.capabilities.bounding).toHaveLength(14);
    expect(s.process.capabilities.bounding).not.toContain("CAP_SYS_ADMIN");
    expect(s.linux.resources.memory).toEqual({ limit: 32 << 20, swap: 32 << 20 });
    expect(s.linux.resources.cpu).toEqual({ period: 100000, quota: 50000, shares: 512 });
    expect(s.linux.resources.pids).toEqual({ limit: 20 });
    expect(s.linux.namespaces).toContainEqual({ type: "network", path: "/run/netns/x" });
    expect(s.linux.maskedPaths).toContain("/proc/kcore");
    expect(s.mounts.map((m) => m.destination)).toContain("/etc/hosts");
  });
  it("--net=host shares the host's network namespace and hostname; no command is an error naming the container", () => {
    const s = buildSpec({ ...base, netns: "host" }) as { linux: { namespaces: { type: string }[] }; hostname?: string };
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain("network");
    expect(s.hostname).toBeUndefined();
    expect(() => buildSpec({ ...base, image: {} })).toThrow(/container c1: no command to run/);
  });
});

describe("resolveUser", () => {
  it("resolves names and ids inside the root filesystem, with supplementary groups", () => {
    const r = mkdtempSync(`${tmpdir()}/berth-test-user-`);
    dirs.push(r);
    mkdirSync(`${r}/etc`);
    writeFileSync(`${r}/etc/passwd`, "root:x:0:0::/root:/bin/sh\nwww:x:33:33::/var/www:/bin/sh\n");
    writeFileSync(`${r}/etc/group`, "root:x:0:\nwww:x:33:\nstaff:x:50:www\n");
    expect(resolveUser(r, "www")).toEqual({ uid: 33, gid: 33, additionalGids: [50] });
    expect(resolveUser(r, "1000:50")).toEqual({ uid: 1000, gid: 50, additionalGids: [] });
    expect(resolveUser(r, "www:root")).toEqual({ uid: 33, gid: 0, additionalGids: [50] });
    expect(() => resolveUser(r, "nobody")).toThrow(/unable to find user nobody/);
  });
  it("never reads a passwd file through a symlink out of the root", () => {
    const r = mkdtempSync(`${tmpdir()}/berth-test-user-`);
    dirs.push(r);
    mkdirSync(`${r}/etc`);
    symlinkSync("/etc/passwd", `${r}/etc/passwd`);
    expect(() => resolveUser(r, "root")).toThrow(/unable to find user root/);
  });
});

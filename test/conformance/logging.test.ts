/** Plugin logs: pino JSON lines on stderr or in a file, never on stdout (stdout is the protocol). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execPlugin, TestNetns } from "../harness/index.ts";

let host: TestNetns;
let ctr: TestNetns;
let dir: string;
beforeEach(() => {
  host = TestNetns.create("h");
  ctr = TestNetns.create("c");
  dir = mkdtempSync(`${tmpdir()}/berth-test-log-`);
});
afterEach(() => {
  ctr.destroy();
  host.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const call = (conf: object, env: Record<string, string>) =>
  execPlugin("loopback", { command: "ADD", containerId: "log-1", netns: ctr.path, ifname: "lo", stdin: { cniVersion: "1.1.0", name: "lognet", type: "loopback", ...conf }, host, env });

describe("plugin logging", () => {
  it("writes debug lines as JSON to stderr and keeps stdout to exactly the result", () => {
    const out = call({}, { BERTH_LOG_LEVEL: "debug" });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).cniVersion).toBe("1.1.0");
    const lines = out.stderr.trim().split("\n").map((l) => JSON.parse(l) as { level: number; plugin: string; msg: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ plugin: "loopback", level: 20 });
  });

  it("is silent at the default level on success", () => {
    const out = call({}, {});
    expect(out.status).toBe(0);
    expect(out.stderr).toBe("");
  });

  it("writes to the file named by the config's log key, including errors at the default level", () => {
    const file = `${dir}/plugin.log`;
    const bad = execPlugin("loopback", {
      command: "ADD",
      containerId: "log-1",
      netns: "/run/netns/berth-no-such-ns",
      ifname: "lo",
      stdin: { cniVersion: "1.1.0", name: "lognet", type: "loopback", log: file },
      host,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("");
    const line = JSON.parse(readFileSync(file, "utf8").trim().split("\n")[0]!) as { level: number; msg: string };
    expect(line.level).toBe(50);
    expect(line.msg).toMatch(/CNI_NETNS/);
  });
});

/**
 * Many processes allocating on one data directory at once: berth processes (run by bun) and,
 * when installed, the reference host-local binary. The flock on `<dir>/lock` must serialise them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

const BUN = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
const CHILD = fileURLToPath(new URL("./testdata/add_child.ts", import.meta.url));
const REFERENCE = "/usr/lib/cni/host-local";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(file: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["pipe", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

function berthChild(config: object, containerId: string) {
  return run(BUN, [CHILD, "ADD", JSON.stringify(config), containerId], "", process.env);
}

function referenceChild(config: object, containerId: string) {
  const env = { CNI_COMMAND: "ADD", CNI_CONTAINERID: containerId, CNI_NETNS: "/proc/self/ns/net", CNI_IFNAME: "eth0", CNI_PATH: "/usr/lib/cni" };
  return run(REFERENCE, [], JSON.stringify(config), env);
}

function setup(): { config: object; dir: string } {
  const dataDir = mkdtempSync(`${tmpdir()}/berth-test-race-`);
  dirs.push(dataDir);
  const config = { cniVersion: "1.0.0", name: "race", type: "bridge", ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.5.0.0/24" }], [{ subnet: "fd05::/120" }]] } };
  return { config, dir: `${dataDir}/race` };
}

function addressesOf(outputs: { code: number | null; stdout: string }[]): string[] {
  return outputs.flatMap((o) => {
    expect(o.code, o.stdout).toBe(0);
    return (JSON.parse(o.stdout) as { ips: { address: string }[] }).ips.map((i) => i.address);
  });
}

function reservationFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== "lock" && !n.startsWith("last_reserved_ip.") && !n.startsWith("."));
}

describe("parallel allocation on one data directory", () => {
  it("gives 20 parallel berth processes 20 distinct addresses", { timeout: 60_000 }, async () => {
    const { config, dir } = setup();
    const outputs = await Promise.all(Array.from({ length: 20 }, (_, i) => berthChild(config, `ctr-${i}`)));
    const all = addressesOf(outputs);
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    const files = reservationFiles(dir);
    expect(files).toHaveLength(40);
    const owners = new Set(files.map((f) => readFileSync(`${dir}/${f}`, "utf8")));
    expect(owners.size).toBe(20);
  });

  it.skipIf(!existsSync(REFERENCE))("keeps 10 berth and 10 reference processes apart", { timeout: 60_000 }, async () => {
    const { config, dir } = setup();
    const outputs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? berthChild(config, `b-${i}`) : referenceChild(config, `r-${i}`))));
    const all = addressesOf(outputs);
    expect(new Set(all).size).toBe(40);
    expect(reservationFiles(dir)).toHaveLength(40);
  });
});

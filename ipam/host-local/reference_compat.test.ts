/**
 * Compatibility with the reference host-local binary (containernetworking/plugins), run as a
 * child process on the same data directory. Skipped when the binary is not installed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { hostLocalAdd, hostLocalCheck, hostLocalDel, hostLocalGc } from "./host_local.ts";

const REFERENCE = "/usr/lib/cni/host-local";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-ref-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function netConfig(dataDir: string, ipam: object = {}): object {
  return {
    cniVersion: "1.0.0",
    name: "compat",
    type: "bridge",
    ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "2001:db8:0:1::/64" }]], ...ipam },
  };
}

interface RefResult {
  status: number | null;
  out: { ips?: { address: string; gateway?: string }[]; msg?: string; code?: number } | undefined;
}

/** Run the reference plugin. */
function ref(command: string, config: object, containerId: string, ifname = "eth0", cniArgs?: string): RefResult {
  const r = spawnSync(REFERENCE, {
    input: JSON.stringify(config),
    encoding: "utf8",
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: "/proc/self/ns/net",
      CNI_IFNAME: ifname,
      CNI_PATH: "/usr/lib/cni",
      ...(cniArgs === undefined ? {} : { CNI_ARGS: cniArgs }),
    },
  });
  return { status: r.status, out: r.stdout.trim() === "" ? undefined : JSON.parse(r.stdout) };
}

const berthAdd = async (config: object, id: string, ifname = "eth0", args?: Map<string, string>) =>
  (await hostLocalAdd({ config, containerId: id, ifname, args })).ips;
const berthDel = (config: object, id: string, ifname = "eth0") => hostLocalDel({ config, containerId: id, ifname });

/** name → content of every file the reference would consider (berth's .berth and the lock aside). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name === ".berth" || name === "lock") continue;
    out[name] = readFileSync(`${dir}/${name}`, "latin1");
  }
  return out;
}

describe.skipIf(!existsSync(REFERENCE))("compatibility with the reference host-local binary", () => {
  it("writes byte-for-byte what the reference writes", async () => {
    const refDir = tempDir();
    const berthDir = tempDir();
    const steps: [string, string, string][] = [
      ["ADD", "c1", "eth0"],
      ["ADD", "c2", "eth0"],
      ["ADD", "c1", "net1"],
      ["DEL", "c2", "eth0"],
      ["ADD", "c3", "eth0"],
    ];
    for (const [cmd, id, ifname] of steps) {
      const r = ref(cmd, netConfig(refDir), id, ifname);
      expect(r.status, JSON.stringify(r.out)).toBe(0);
      if (cmd === "ADD") expect(await berthAdd(netConfig(berthDir), id, ifname)).toEqual(r.out?.ips);
      else await berthDel(netConfig(berthDir), id, ifname);
    }
    const expected = snapshot(`${refDir}/compat`);
    expect(Object.keys(expected)).toEqual([
      "10.1.0.2",
      "10.1.0.4",
      "10.1.0.5",
      "2001:db8:0:1::2",
      "2001:db8:0:1::4",
      "2001:db8:0:1::5",
      "last_reserved_ip.0",
      "last_reserved_ip.1",
    ]);
    expect(expected["10.1.0.4"]).toBe("c1\r\nnet1");
    expect(snapshot(`${berthDir}/compat`)).toEqual(expected);
  });

  it("never hands out an address twice when berth and the reference alternate on one directory", async () => {
    const dataDir = tempDir();
    const config = netConfig(dataDir);
    const v4: string[] = [];
    const v6: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `ctr-${i}`;
      let ips: { address: string }[];
      if (i % 2 === 0) ips = await berthAdd(config, id);
      else {
        const r = ref("ADD", config, id);
        expect(r.status, JSON.stringify(r.out)).toBe(0);
        ips = r.out?.ips ?? [];
      }
      v4.push(ips[0]?.address ?? "");
      v6.push(ips[1]?.address ?? "");
      if (i === 9) {
        // Mix in releases by both sides.
        await berthDel(config, "ctr-3");
        expect(ref("DEL", config, "ctr-4").status).toBe(0);
      }
    }
    expect(new Set(v4).size).toBe(20);
    expect(new Set(v6).size).toBe(20);
    // Both follow last_reserved_ip, so the walk is one sequence.
    expect(v4).toEqual(Array.from({ length: 20 }, (_, i) => `10.1.0.${i + 2}/24`));
    const files = snapshot(`${dataDir}/compat`);
    for (let i = 0; i < 20; i++) {
      const owner = i === 3 || i === 4 ? undefined : `ctr-${i}\r\neth0`;
      expect(files[`10.1.0.${i + 2}`], `10.1.0.${i + 2}`).toBe(owner);
    }
  });

  it("releases what the other made, and each sees the other's reservations", async () => {
    const dataDir = tempDir();
    const config = netConfig(dataDir);
    const dir = `${dataDir}/compat`;
    expect(ref("ADD", config, "by-ref").status).toBe(0); // .2
    expect(await berthAdd(config, "by-berth")).toEqual([
      { address: "10.1.0.3/24", gateway: "10.1.0.1" },
      { address: "2001:db8:0:1::3/64", gateway: "2001:db8:0:1::1" },
    ]);
    // The reference treats berth's files as its own: CHECK passes, a second ADD is a duplicate.
    expect(ref("CHECK", config, "by-berth").status).toBe(0);
    expect(ref("ADD", config, "by-berth").out?.msg).toMatch(/duplicate allocation is not allowed/);
    // berth sees the reference's reservation: a repeated ADD returns it.
    expect(await berthAdd(config, "by-ref")).toEqual([
      { address: "10.1.0.2/24", gateway: "10.1.0.1" },
      { address: "2001:db8:0:1::2/64", gateway: "2001:db8:0:1::1" },
    ]);
    await hostLocalCheck({ config, containerId: "by-ref", ifname: "eth0" });

    // Cross releases.
    await berthDel(config, "by-ref");
    expect(ref("DEL", config, "by-berth").status).toBe(0);
    expect(Object.keys(snapshot(dir))).toEqual(["last_reserved_ip.0", "last_reserved_ip.1"]);
    expect(existsSync(`${dir}/.berth/state.json`)).toBe(true); // the reference left berth's index alone
    expect(ref("CHECK", config, "by-berth").status).not.toBe(0);

    // berth's index noticed the reference's DEL: .3 is free again for a requested ADD.
    expect(await berthAdd(config, "again", "eth0", new Map([["IP", "10.1.0.3"]]))).toEqual([
      { address: "10.1.0.3/24", gateway: "10.1.0.1" },
      { address: "2001:db8:0:1::4/64", gateway: "2001:db8:0:1::1" },
    ]);
    expect(ref("ADD", config, "other", "eth0", "IP=10.1.0.3").out?.msg).toMatch(/not available/);
    expect((await hostLocalAdd({ config, containerId: "x", ifname: "eth0", args: new Map([["IP", "10.1.0.3"]]) }).catch((e: Error) => e)) as Error).toBeInstanceOf(Error);
  });

  it("GC releases reservations the reference made, and legacy files are released by both", async () => {
    const dataDir = tempDir();
    const config = { ...netConfig(dataDir), cniVersion: "1.0.0" };
    const dir = `${dataDir}/compat`;
    for (const id of ["r1", "r2", "r3"]) expect(ref("ADD", config, id).status).toBe(0);
    const report = await hostLocalGc({ config }, [{ containerId: "r2", ifname: "eth0" }]);
    expect(report.released.sort()).toEqual(["10.1.0.2", "10.1.0.4", "2001:db8:0:1::2", "2001:db8:0:1::4"]);
    expect(Object.keys(snapshot(dir)).filter((n) => !n.startsWith("last"))).toEqual(["10.1.0.3", "2001:db8:0:1::3"]);

    // A legacy file (container ID only), as old reference versions wrote it.
    writeFileSync(`${dir}/10.1.0.77`, "legacy-ctr");
    await berthDel(config, "legacy-ctr", "eth0");
    expect(existsSync(`${dir}/10.1.0.77`)).toBe(false);
    writeFileSync(`${dir}/10.1.0.78`, "legacy-ctr2");
    expect(await berthAdd(config, "n1", "eth0", new Map([["IP", "10.1.0.79"]]))).toHaveLength(2); // berth indexes the legacy file
    expect(ref("DEL", config, "legacy-ctr2").status).toBe(0);
    expect(existsSync(`${dir}/10.1.0.78`)).toBe(false);
  });
});

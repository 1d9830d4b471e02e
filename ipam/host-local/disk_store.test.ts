import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { IpamCode, IpamError } from "../shared/errors.ts";
import { DiskStore } from "./disk_store.ts";
import type { DiskStoreOptions } from "./disk_store.ts";
import { hostLocalAdd, hostLocalDel, hostLocalGc } from "./host_local.ts";
import type { HostLocalOptions } from "./host_local.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-disk-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Ops on a fresh data dir, with a handle on the last DiskStore used. */
function setup(ipam: object = { ranges: [[{ subnet: "10.1.0.0/24" }]] }, storeOptions: DiskStoreOptions = {}) {
  const dataDir = tempDir();
  const config = { cniVersion: "1.1.0", name: "mynet", type: "bridge", ipam: { type: "host-local", dataDir, ...ipam } };
  const diagnostics: string[] = [];
  let last: DiskStore | undefined;
  let bootId = storeOptions.bootId ?? "boot-A";
  const options: HostLocalOptions = {
    onDiagnostic: (m) => diagnostics.push(m),
    openStore: (loc) => (last = new DiskStore(loc.dataDir, loc.name, { keepReleasesMs: loc.cooldownMs, onDiagnostic: (m) => diagnostics.push(m), ...storeOptions, bootId })),
  };
  const dir = `${dataDir}/mynet`;
  return {
    dataDir,
    dir,
    diagnostics,
    reboot: (id: string) => void (bootId = id),
    store: () => last as DiskStore,
    add: async (id: string, ifname = "eth0") => (await hostLocalAdd({ config, containerId: id, ifname }, options)).ips.map((i) => i.address),
    del: (id: string, ifname = "eth0") => hostLocalDel({ config, containerId: id, ifname }, options),
    gc: (valid: { containerId: string; ifname: string }[]) => hostLocalGc({ config }, valid, options),
    files: () => readdirSync(dir).filter((n) => n !== ".berth" && n !== "lock").sort(),
    read: (name: string) => readFileSync(`${dir}/${name}`, "utf8"),
  };
}

describe("DiskStore layout", () => {
  it("writes the reference layout: one file per address, last_reserved_ip.N and lock", async () => {
    const t = setup({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] });
    expect(await t.add("c1")).toEqual(["10.1.0.2/24", "fd00::2/120"]);
    expect(t.files()).toEqual(["10.1.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1"]);
    expect(t.read("10.1.0.2")).toBe("c1\r\neth0");
    expect(t.read("fd00::2")).toBe("c1\r\neth0");
    expect(t.read("last_reserved_ip.0")).toBe("10.1.0.2");
    expect(t.read("last_reserved_ip.1")).toBe("fd00::2");
    expect(statSync(`${t.dir}/10.1.0.2`).mode & 0o777).toBe(0o600);
    expect(statSync(t.dir).mode & 0o777).toBe(0o755);
    expect(existsSync(`${t.dir}/lock`)).toBe(true);
    expect(readdirSync(`${t.dir}/.berth`)).toEqual(["state.json"]);
  });

  it("uses the index on the next call without reading reservation files", async () => {
    const t = setup();
    for (const id of ["a", "b", "c"]) await t.add(id);
    expect(t.store().lastLoad).toEqual({ trustedIndex: true, filesRead: 0 });
    await t.del("b");
    expect(t.store().lastLoad).toEqual({ trustedIndex: true, filesRead: 1 }); // the file is checked before deletion
    expect(t.files()).toEqual(["10.1.0.2", "10.1.0.4", "last_reserved_ip.0"]);
    await t.add("a"); // repeated ADD: the held address is verified by reading its file
    expect(t.store().lastLoad).toEqual({ trustedIndex: true, filesRead: 1 });
  });
});

describe("DiskStore with changes made by others", () => {
  it("notices a reservation it did not make and never hands it out", async () => {
    const t = setup();
    await t.add("a"); // .2
    writeFileSync(`${t.dir}/10.1.0.3`, "other\r\neth0");
    expect(await t.add("b")).toEqual(["10.1.0.4/24"]);
    expect(t.store().lastLoad.trustedIndex).toBe(false);
    await t.del("other");
    expect(t.files()).toEqual(["10.1.0.2", "10.1.0.4", "last_reserved_ip.0"]);
  });

  it("starts the cool-down of an address someone else released", async () => {
    const t = setup({ subnet: "10.1.0.0/29", cooldownSeconds: 30 }); // .2 .. .6
    for (const id of ["a", "b", "c", "d"]) await t.add(id); // .2 .. .5, last .5
    unlinkSync(`${t.dir}/10.1.0.2`); // a reference DEL
    // Walk from .5: .6 is free; then .2 (cooling) → fallback only if nothing else.
    expect(await t.add("e")).toEqual(["10.1.0.6/29"]);
    expect(await t.add("f")).toEqual(["10.1.0.2/29"]);
    expect(t.diagnostics.some((m) => m.startsWith("Handed out 10.1.0.2"))).toBe(true);
  });

  it("does not delete a file whose owner changed behind the index", async () => {
    const t = setup();
    await t.add("a"); // .2
    unlinkSync(`${t.dir}/10.1.0.2`);
    writeFileSync(`${t.dir}/10.1.0.2`, "b\r\neth0");
    await t.del("a");
    expect(t.read("10.1.0.2")).toBe("b\r\neth0");
    expect(await t.add("b")).toEqual(["10.1.0.2/24"]); // repeated ADD of b finds it
  });

  it("treats empty and corrupt reservation files as free, and GC removes them", async () => {
    const t = setup();
    writeFileSync(`${t.dir.replace(/mynet$/, "")}/.keep`, ""); // dataDir exists
    await t.add("a"); // creates the directory; .2
    writeFileSync(`${t.dir}/10.1.0.3`, "");
    writeFileSync(`${t.dir}/10.1.0.4`, Buffer.from([0, 1, 2, 0xff]));
    writeFileSync(`${t.dir}/10.1.0.5`, "   \r\n  ");
    writeFileSync(`${t.dir}/10.1.0.6`, "x\r\neth0\r\nextra");
    expect(await t.add("b")).toEqual(["10.1.0.3/24"]);
    expect(t.read("10.1.0.3")).toBe("b\r\neth0");
    expect(await t.add("c")).toEqual(["10.1.0.4/24"]);
    const report = await t.gc([
      { containerId: "a", ifname: "eth0" },
      { containerId: "b", ifname: "eth0" },
      { containerId: "c", ifname: "eth0" },
    ]);
    expect(report).toEqual({ released: [], removedCorrupt: ["10.1.0.5", "10.1.0.6"] });
    expect(t.files()).toEqual(["10.1.0.2", "10.1.0.3", "10.1.0.4", "last_reserved_ip.0"]);
  });

  it("removes temporary files left by an interrupted write", async () => {
    const t = setup();
    await t.add("a");
    writeFileSync(`${t.dir}/.10.1.0.3.tmp-99999-1`, "x\r\neth0");
    expect(await t.add("b")).toEqual(["10.1.0.3/24"]);
    expect(existsSync(`${t.dir}/.10.1.0.3.tmp-99999-1`)).toBe(false);
  });

  it("rebuilds from the files when the index is missing or corrupt", async () => {
    const t = setup();
    await t.add("a");
    writeFileSync(`${t.dir}/.berth/state.json`, "{not json");
    expect(await t.add("b")).toEqual(["10.1.0.3/24"]);
    rmSync(`${t.dir}/.berth`, { recursive: true });
    expect(await t.add("a")).toEqual(["10.1.0.2/24"]);
    expect(t.store().lastLoad.trustedIndex).toBe(false);
  });

  it("gives the same answers with the index turned off", async () => {
    const t = setup({ ranges: [[{ subnet: "10.1.0.0/24" }]] }, { useIndex: false });
    expect(await t.add("a")).toEqual(["10.1.0.2/24"]);
    expect(await t.add("b")).toEqual(["10.1.0.3/24"]);
    expect(await t.add("a")).toEqual(["10.1.0.2/24"]);
    expect(t.store().lastLoad).toEqual({ trustedIndex: false, filesRead: 2 }); // every file, once
  });
});

describe("DiskStore and reboots", () => {
  it("frees reservations made before a reboot but keeps ones made after it", async () => {
    const t = setup();
    await t.add("a"); // .2 in boot A
    await t.add("b"); // .3 in boot A
    t.reboot("boot-B");
    writeFileSync(`${t.dir}/10.1.0.9`, "new\r\neth0"); // the reference, after the reboot
    expect(await t.add("c")).toEqual(["10.1.0.4/24"]); // round-robin continues
    expect(t.diagnostics).toContain('Released 2 reservations of network "mynet" made before the last reboot');
    expect(t.files()).toEqual(["10.1.0.4", "10.1.0.9", "last_reserved_ip.0"]);
    t.reboot("boot-B");
    await t.add("d");
    expect(t.files()).toEqual(["10.1.0.4", "10.1.0.5", "10.1.0.9", "last_reserved_ip.0"]);
  });
});

describe("DiskStore locking", () => {
  it("waits for the reference plugin's lock and gives up with code 11", async () => {
    const t = setup();
    await t.add("a");
    const script = `
      const { openSync } = require("node:fs");
      const koffi = require("koffi");
      const flock = koffi.load("libc.so.6").func("int flock(int, int)");
      const fd = openSync(${JSON.stringify(`${t.dir}/lock`)}, "r");
      if (flock(fd, 2) !== 0) process.exit(3);
      process.stdout.write("locked\\n");
      setTimeout(() => process.exit(0), 700);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const config = { cniVersion: "1.1.0", name: "mynet", ipam: { type: "host-local", dataDir: t.dataDir, subnet: "10.1.0.0/24" } };
    const err = await hostLocalAdd({ config, containerId: "b", ifname: "eth0" }, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpamError);
    expect((err as IpamError).code).toBe(IpamCode.tryAgainLater);
    await new Promise((resolve) => child.once("exit", resolve));
    expect(await t.add("b")).toEqual(["10.1.0.3/24"]);
  });
});

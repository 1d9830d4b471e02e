/**
 * A berth command killed at any point leaves nothing once `rm -f` has run: `berth run -d` is
 * SIGKILLed after a random delay (before, during and after its CNI ADD, rootfs mount, runc start),
 * then `rm -f` and any other command clean up. `make stress` multiplies the trials.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BerthHost, DIST } from "../harness/index.ts";

const TRIALS = 20 * Number(process.env.BERTH_STRESS_SCALE ?? 1);

let b: BerthHost;
beforeAll(() => {
  b = new BerthHost();
  b.importBusybox("busybox:latest", ['CMD ["sh"]']);
});
afterAll(() => b?.destroy());

function killedRun(name: string, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn("nsenter", [`--net=${b.host.path}`, "--", `${DIST}/berth`, "--root", b.root, "run", "-d", "--name", name, "-p", "18080:80", "busybox", "sleep", "60"], {
      stdio: "ignore",
      env: { ...process.env, BERTH_CNI_PATH: `${DIST}/cni` },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function reservations(): string[] {
  try {
    return readdirSync(`${b.root}/ipam/bridge`).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
  } catch {
    return [];
  }
}

describe("berth killed at random points", () => {
  it(`a monitor (berth shim) SIGKILLed while its container runs or exits leaves nothing after rm -f (${TRIALS} trials)`, async () => {
    for (let i = 0; i < TRIALS; i++) {
      // Containers that end on their own, so some kills land while the monitor records the exit.
      const id = b.ok(["run", "-d", "--name", `s${i}`, "-p", "18081:80", "busybox", "sleep", `0.${(i % 5) * 2}`]).trim();
      const record = JSON.parse(readFileSync(`${b.root}/containers/${id}/container.json`, "utf8")) as { state: { shimPid?: number } };
      await new Promise((r) => setTimeout(r, (i * 37) % 300));
      if (record.state.shimPid !== undefined) {
        try {
          process.kill(record.state.shimPid, "SIGKILL");
        } catch {
          // it had already finished
        }
      }
      b.berth(["ps", "-a"]); // any command: marks what died, collects what is gone
      b.ok(["rm", "-f", `s${i}`]);
    }
    expect(b.berth(["ps", "-a", "-q"]).stdout).toBe("");
    expect(b.leftovers()).toEqual([]);
    expect(reservations()).toEqual([]);
  }, 300_000);

  it(`leaves nothing after rm -f (${TRIALS} trials)`, async () => {
    // Calibrate: how long an undisturbed `run -d` takes here, so kills land all along it.
    const t0 = Date.now();
    b.ok(["run", "-d", "--name", "calib", "busybox", "sleep", "60"]);
    const full = Date.now() - t0;
    b.ok(["rm", "-f", "calib"]);
    for (let i = 0; i < TRIALS; i++) {
      await killedRun(`k${i}`, Math.floor((full * 1.2 * (i + 0.5)) / TRIALS));
      b.berth(["rm", "-f", `k${i}`]); // "no such container" when killed before the record existed
      expect(b.berth(["ps", "-a", "-q"]).stdout.trim()).toBe("");
    }
    expect(b.leftovers()).toEqual([]);
    expect(reservations()).toEqual([]);
    const pm = b.host.run("nft", ["list", "map", "inet", "berth", "pm4_any"]);
    expect(pm).not.toMatch(/elements/);
    // The host port is free again: a new container publishes it.
    b.ok(["run", "-d", "--name", "after", "-p", "18080:80", "busybox", "sleep", "60"]);
    b.ok(["rm", "-f", "after"]);
    expect(b.leftovers()).toEqual([]);
  }, 300_000);
});

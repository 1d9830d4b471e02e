/** `make demo` keeps working: the script runs against the built binary and leaves nothing behind. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

describe("make demo", () => {
  it("runs end to end: lo comes up, two bridged containers reach each other, everything is removed", () => {
    const out = spawnSync(`${ROOT}/node_modules/.bin/bun`, ["scripts/demo.ts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/lo is now UP/);
    expect(out.stdout).toMatch(/"web" \(172\.\d+\.\d+\.\d+\) reaches "db"/);
    expect(out.stdout).toMatch(/1 received/);
    expect(out.stdout).toMatch(/Nothing left behind/);
  }, 150_000);
});

/** `make demo` keeps working: the script runs against the built binary and leaves nothing behind. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

describe("make demo", () => {
  it("runs the story end to end: image, published web server, linked client, fetch from outside, all removed", () => {
    const out = spawnSync(`${ROOT}/node_modules/.bin/bun`, ["scripts/demo.ts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/WEB_PORT_80_TCP_ADDR=172\.\d+\.\d+\.\d+/);
    expect(out.stdout.match(/hello from berth/g)?.length).toBe(2); // the linked client, then the outside
    expect(out.stdout).toMatch(/tcp \. 8080 : 172\.\d+\.\d+\.\d+ \. 80/);
    expect(out.stdout).toMatch(/Nothing left behind/);
  }, 150_000);
});

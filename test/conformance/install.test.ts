/** `make install`: the binary and one symlink per plugin land in a CNI bin dir and work from there. */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { execPlugin } from "../harness/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("install", () => {
  it("installs berth with a symlink per plugin, leaves no temporary file, and can run again over itself", () => {
    dir = mkdtempSync(`${tmpdir()}/berth-test-install-`);
    for (let i = 0; i < 2; i++) execFileSync("bash", [`${ROOT}/scripts/install.sh`, dir], { cwd: ROOT, stdio: "ignore" });
    const names = readdirSync(dir).sort();
    expect(names).toEqual(["berth", ...readdirSync(`${ROOT}/dist/cni`)].sort());
    for (const n of names.filter((x) => x !== "berth")) {
      expect(lstatSync(`${dir}/${n}`).isSymbolicLink()).toBe(true);
      expect(readlinkSync(`${dir}/${n}`)).toBe("berth");
    }
    const out = execPlugin("bridge", { command: "VERSION", binDir: dir, stdin: "" });
    expect(out.json?.supportedVersions).toContain("1.1.0");
  });
});

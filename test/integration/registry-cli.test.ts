/**
 * `berth pull`, `push`, `login`, `logout` end to end: the built binary against a real
 * docker-registry on 127.0.0.1 started by the test, with an image imported from busybox.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { DIST } from "../harness/index.ts";
import { busyboxRootfs } from "../harness/image-fixtures.ts";
import { blobUploads, startRegistry, type RunningRegistry } from "./registry-fixtures.ts";

const dirs: string[] = [];
let registry: RunningRegistry | undefined;
afterEach(async () => {
  await registry?.stop();
  registry = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function berth(root: string, args: string[], input?: string) {
  const out = spawnSync(`${DIST}/berth`, ["--root", root, ...args], { input, encoding: "utf8" });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

async function imported(): Promise<string> {
  const root = mkdtempSync(`${tmpdir()}/berth-test-regcli-`);
  dirs.push(root);
  writeFileSync(`${root}/rootfs.tar`, await busyboxRootfs());
  expect(berth(root, ["import", `${root}/rootfs.tar`, "bb:1"]).status).toBe(0);
  return root;
}

describe("berth pull / push", () => {
  it("push then pull back into an empty store keeps the image ID; a second push uploads nothing", async () => {
    registry = await startRegistry();
    const root = await imported();
    const id = berth(root, ["images", "-q", "--no-trunc"]).stdout.trim();
    const ref = `${registry.host}/test/bb:1`;
    expect(berth(root, ["tag", "bb:1", ref]).status).toBe(0);
    const first = berth(root, ["push", ref]);
    expect(first.status, first.stderr).toBe(0);
    // The registry's access log lags a little behind its answers.
    const uploads = async (n: number) => {
      for (let i = 0; i < 50 && blobUploads(registry!, "test/bb").length < n; i++) await new Promise((r) => setTimeout(r, 20));
      return blobUploads(registry!, "test/bb").length;
    };
    expect(await uploads(2)).toBe(2); // config + one layer
    expect(berth(root, ["push", ref]).status).toBe(0);
    expect(await uploads(3)).toBe(2);
    const other = mkdtempSync(`${tmpdir()}/berth-test-regcli-`);
    dirs.push(other);
    const pulled = berth(other, ["pull", ref]);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(pulled.stdout.trim()).toBe(ref);
    expect(berth(other, ["images", "-q", "--no-trunc"]).stdout.trim()).toBe(id);
    const missing = berth(other, ["pull", `${registry.host}/test/nope:1`]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/MANIFEST_UNKNOWN/);
  });

  it("login stores credentials 0600 and push/pull use them; a wrong password is refused; logout forgets", async () => {
    registry = await startRegistry({ username: "alice", password: "s3cret" });
    const root = await imported();
    const ref = `${registry.host}/private/bb:1`;
    berth(root, ["tag", "bb:1", ref]);
    expect(berth(root, ["push", ref]).status).toBe(1);
    const wrong = berth(root, ["login", "-u", "alice", "--password-stdin", registry.host], "nope\n");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).not.toMatch(/nope/);
    const ok = berth(root, ["login", "-u", "alice", "--password-stdin", registry.host], "s3cret\n");
    expect(ok.stdout).toMatch(/Login Succeeded/);
    expect(statSync(`${root}/auth.json`).mode & 0o777).toBe(0o600);
    expect(berth(root, ["push", ref]).status).toBe(0);
    expect(berth(root, ["rmi", ref]).status).toBe(0);
    expect(berth(root, ["pull", "-q", ref]).status).toBe(0);
    expect(berth(root, ["logout", registry.host]).stdout).toMatch(/Removing login credentials/);
    expect(berth(root, ["pull", ref]).status).toBe(1);
  });
});

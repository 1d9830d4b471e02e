/** commit, diff and export of a container: its changes (added and deleted files) as docker shows them. */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BerthHost } from "../harness/index.ts";

let b: BerthHost;
beforeAll(() => {
  b = new BerthHost();
  b.importBusybox();
});
afterAll(() => b?.destroy());

describe("commit / diff / export", () => {
  it("a file added and a file deleted show in diff, in the committed image and in the export", async () => {
    b.ok(["run", "-d", "--name", "base", "busybox", "sh", "-c", "echo new > /added; rm /etc/group; touch /ready; sleep 60"]);
    for (let i = 0; i < 100 && b.berth(["exec", "base", "test", "-f", "/ready"]).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    const diff = b.ok(["diff", "base"]).split("\n");
    expect(diff).toContain("A /added");
    expect(diff).toContain("D /etc/group");
    expect(diff).toContain("C /etc");
    const id = b.ok(["commit", "-m", "two changes", "base", "committed:1"]).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.ok(["history", "committed:1"])).toMatch(/two changes/);
    const out = b.berth(["run", "--rm", "committed:1", "sh", "-c", "cat /added; ls /etc/group 2>&1; ls /bin/busybox"]);
    expect(out.stdout).toMatch(/^new\n/);
    expect(out.stdout).toMatch(/No such file or directory/);
    expect(out.stdout).toMatch(/\/bin\/busybox/);
    b.ok(["export", "-o", `${b.root}/base.tar`, "base"]);
    const listing = spawnSync("tar", ["-tf", `${b.root}/base.tar`], { encoding: "utf8" }).stdout.split("\n");
    expect(listing).toContain("./added");
    expect(listing).not.toContain("./etc/group");
    expect(listing).toContain("./etc/passwd");
    // An image a container uses is refused by rmi without -f; prune drops the snapshots no image needs.
    b.ok(["run", "-d", "--name", "user", "committed:1", "sleep", "60"]);
    expect(b.berth(["rmi", "committed:1"]).stderr).toMatch(/image is being used by a container/);
    b.ok(["rm", "-f", "base", "user"]);
    const snapshots = () => readdirSync(`${b.root}/snapshots`).filter((d) => /^[0-9a-f]{64}$/.test(d)).length;
    expect(snapshots()).toBe(2);
    b.ok(["rmi", "committed:1"]);
    b.ok(["image", "prune"]);
    expect(snapshots()).toBe(1);
    expect(b.leftovers()).toEqual([]);
  });
});

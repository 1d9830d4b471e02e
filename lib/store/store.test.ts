import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { FileLock, LockTimeoutError, withLock, writeFileAtomic } from "./index.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-store-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("replaces the content and leaves no temporary file", () => {
    const dir = tempDir();
    writeFileAtomic(`${dir}/a.json`, "one");
    writeFileAtomic(`${dir}/a.json`, "two", { mode: 0o600 });
    expect(readFileSync(`${dir}/a.json`, "utf8")).toBe("two");
    expect(readdirSync(dir)).toEqual(["a.json"]);
    expect(statSync(`${dir}/a.json`).mode & 0o777).toBe(0o600);
  });

  it("creates parent directories when asked", () => {
    const dir = tempDir();
    writeFileAtomic(`${dir}/x/y/z`, new Uint8Array([1, 2, 3]), { mkdirMode: 0o700 });
    expect([...readFileSync(`${dir}/x/y/z`)]).toEqual([1, 2, 3]);
    expect(statSync(`${dir}/x`).mode & 0o777).toBe(0o700);
  });
});

/** A child process that takes the lock, prints "locked", and holds it for `holdMs`. */
function holdInChild(path: string, holdMs: number): Promise<void> {
  const script = `
    const { openSync } = require("node:fs");
    const koffi = require("koffi");
    const flock = koffi.load("libc.so.6").func("int flock(int, int)");
    const fd = openSync(${JSON.stringify(path)}, "a");
    if (flock(fd, 2) !== 0) process.exit(3);
    process.stdout.write("locked\\n");
    setTimeout(() => process.exit(0), ${holdMs});`;
  const child = spawn(process.execPath, ["-e", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
  });
}

describe("FileLock", () => {
  it("waits for another process to release the lock", async () => {
    const path = `${tempDir()}/lock`;
    await holdInChild(path, 150);
    const t0 = Date.now();
    const lock = FileLock.acquire(path, { timeoutMs: 5000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    lock.release();
  });

  it("times out with an error naming the lock file", async () => {
    const path = `${tempDir()}/lock`;
    await holdInChild(path, 1000);
    expect(() => FileLock.acquire(path, { timeoutMs: 100 })).toThrowError(LockTimeoutError);
    expect(() => FileLock.acquire(path, { timeoutMs: 100 })).toThrowError(/still held/);
  });

  it("serialises read-modify-write sections in one process too", async () => {
    const dir = tempDir();
    const file = `${dir}/counter`;
    writeFileAtomic(file, "0");
    // flock locks belong to open file descriptions: a second acquire in the same process waits too.
    const first = FileLock.acquire(`${dir}/lock`);
    expect(() => FileLock.acquire(`${dir}/lock`, { timeoutMs: 20 })).toThrowError(LockTimeoutError);
    first.release();
    await withLock(`${dir}/lock`, () => writeFileAtomic(file, String(Number(readFileSync(file, "utf8")) + 1)));
    expect(readFileSync(file, "utf8")).toBe("1");
  });
});

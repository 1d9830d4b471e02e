/**
 * vitest setup file for suites that touch the kernel. Each test file is snapshotted before it
 * runs, and fails in afterAll if anything new (namespace, netns mount, link or nft table in the
 * machine's namespace, test temp dir) remains after it: the leak is pinned on the file that made it.
 */
import { afterAll, beforeAll } from "vitest";
import { diffSnapshots, takeSnapshot, type Snapshot } from "./leaks.ts";

let before: Snapshot | undefined;

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error("Kernel suites create network namespaces and must run as root");
  }
  before = takeSnapshot();
});

afterAll(() => {
  if (before === undefined) return;
  const leaks = diffSnapshots(before, takeSnapshot());
  if (leaks.length > 0) {
    throw new Error(`This test file leaked objects on the machine:\n  ${leaks.join("\n  ")}`);
  }
});

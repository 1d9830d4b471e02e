import { describe, expect, it } from "vitest";
import { humanSize, progressRenderer, statusText } from "./progress.ts";

const L1 = `sha256:${"a1".repeat(32)}`;
const L2 = `sha256:${"b2".repeat(32)}`;
const CFG = `sha256:${"c3".repeat(32)}`;

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { isTTY, out, write: (s: string) => out.push(s) };
}

describe("progress", () => {
  it("formats sizes like docker", () => {
    expect([humanSize(512), humanSize(1200), humanSize(12_345_678), humanSize(45_600_000), humanSize(2e9)]).toEqual(["512B", "1.2kB", "12.35MB", "45.6MB", "2GB"]);
  });

  it("uses docker's words for pull and push", () => {
    const done = { type: "done", digest: L1, size: 1, role: "layer" } as const;
    expect(statusText(done, "pull")).toBe("Pull complete");
    expect(statusText(done, "push")).toBe("Pushed");
    expect(statusText({ type: "exists", digest: L1, size: 1, role: "layer" }, "pull")).toBe("Already exists");
    expect(statusText({ type: "progress", digest: L1, size: 45_600_000, done: 12_300_000, role: "layer" }, "pull")).toBe("Downloading  12.3MB/45.6MB");
    expect(statusText({ type: "mounted", digest: L1, size: 1, role: "layer", from: "library/x" }, "push")).toBe("Mounted from library/x");
  });

  it("draws one line per layer on a terminal and rewrites it in place", () => {
    const out = sink(true);
    const r = progressRenderer(out, "pull");
    r.onEvent({ type: "start", digest: CFG, size: 10, role: "config" }); // configs are not shown
    r.onEvent({ type: "exists", digest: L1, size: 10, role: "layer" });
    r.onEvent({ type: "start", digest: L2, size: 2000, role: "layer" });
    r.onEvent({ type: "done", digest: L2, size: 2000, role: "layer" });
    r.finish("Digest: sha256:feed");
    const text = out.out.join("");
    expect(out.out.slice(0, 2)).toEqual(["a1a1a1a1a1a1: Already exists\n", "b2b2b2b2b2b2: Pulling fs layer\n"]);
    expect(text).toContain("\x1b[1A\r\x1b[2Kb2b2b2b2b2b2: Pull complete\x1b[1B\r");
    expect(text).not.toContain("c3c3");
    expect(text.endsWith("Digest: sha256:feed\n")).toBe(true);
  });

  it("stays quiet off a terminal except for the final line", () => {
    const out = sink(false);
    const r = progressRenderer(out, "push");
    r.onEvent({ type: "start", digest: L1, size: 10, role: "layer" });
    r.onEvent({ type: "done", digest: L1, size: 10, role: "layer" });
    r.finish("latest: digest: sha256:feed");
    expect(out.out).toEqual(["latest: digest: sha256:feed\n"]);
  });
});

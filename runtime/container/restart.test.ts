import { describe, expect, it } from "vitest";
import { parseRestart, restartDelayMs, shouldRestart } from "./restart.ts";

describe("restart policies", () => {
  it("reads docker's --restart values and names the fix for others", () => {
    expect(parseRestart("always")).toEqual({ name: "always", maximumRetryCount: 0 });
    expect(parseRestart("on-failure:3")).toEqual({ name: "on-failure", maximumRetryCount: 3 });
    expect(parseRestart("unless-stopped")).toEqual({ name: "unless-stopped", maximumRetryCount: 0 });
    expect(() => parseRestart("always:3")).toThrow(/invalid restart policy "always:3": use no, always/);
    expect(() => parseRestart("sometimes")).toThrow(/invalid restart policy/);
  });

  it("restarts as docker does: on-failure only after a failure and within its count; never after a stop", () => {
    const onFailure = parseRestart("on-failure:2");
    expect(shouldRestart(onFailure, 1, 0, false)).toBe(true);
    expect(shouldRestart(onFailure, 1, 2, false)).toBe(false);
    expect(shouldRestart(onFailure, 0, 0, false)).toBe(false);
    expect(shouldRestart(parseRestart("on-failure"), 1, 99, false)).toBe(true);
    expect(shouldRestart(parseRestart("always"), 0, 5, false)).toBe(true);
    expect(shouldRestart(parseRestart("always"), 0, 5, true)).toBe(false);
    expect(shouldRestart(parseRestart("no"), 1, 0, false)).toBe(false);
    expect(shouldRestart(undefined, 1, 0, false)).toBe(false);
  });

  it("backs off from 100 ms, doubling, up to a minute", () => {
    expect([0, 1, 2, 3].map(restartDelayMs)).toEqual([100, 200, 400, 800]);
    expect(restartDelayMs(20)).toBe(60_000);
  });
});

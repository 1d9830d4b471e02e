import { describe, expect, it } from "vitest";
import { ellipsis, humanDuration, humanSize, since, table } from "./format.ts";

describe("docker's output forms", () => {
  it.each([
    [0, "0B"],
    [999, "999B"],
    [1000, "1kB"],
    [4261, "4.26kB"],
    [1_996_800, "2MB"],
    [1_234_567, "1.23MB"],
    [5_500_000_000, "5.5GB"],
  ])("size %d is %s", (n, s) => expect(humanSize(n)).toBe(s));

  it.each([
    [500, "Less than a second"],
    [1000, "1 second"],
    [45_000, "45 seconds"],
    [70_000, "About a minute"],
    [10 * 60_000, "10 minutes"],
    [3_600_000, "About an hour"],
    [5 * 3_600_000, "5 hours"],
    [3 * 86_400_000, "3 days"],
    [20 * 86_400_000, "2 weeks"],
    [90 * 86_400_000, "3 months"],
    [800 * 86_400_000, "2 years"],
  ])("duration %d ms is %s", (ms, s) => expect(humanDuration(ms)).toBe(s));

  it("shows ages and N/A for images without a creation time", () => {
    expect(since("2024-01-01T00:00:00Z", Date.parse("2024-01-01T02:00:00Z"))).toBe("2 hours ago");
    expect(since(undefined)).toBe("N/A");
    expect(since("1970-01-01T00:00:00Z")).toBe("N/A");
  });

  it("aligns columns three spaces apart and cuts long text with an ellipsis", () => {
    expect(table(["A", "LONG HEADER", "C"], [["xxxx", "y", "z"]])).toBe("A      LONG HEADER   C\nxxxx   y             z\n");
    expect(ellipsis("abcdef", 4)).toBe("abc…");
    expect(ellipsis("abc", 4)).toBe("abc");
  });
});

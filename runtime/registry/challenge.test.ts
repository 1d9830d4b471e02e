import { describe, expect, it } from "vitest";
import { parseChallenges, pickChallenge } from "./challenge.ts";

describe("parseChallenges", () => {
  it("reads a Docker Hub style Bearer challenge", () => {
    const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
    expect(c).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" },
    });
  });

  it("keeps commas inside quoted values, unquotes escapes, and lower-cases names", () => {
    const [c] = parseChallenges('BEARER Realm="http://127.0.0.1:9/t", Scope="repository:a:pull,push repository:b:pull", error="say \\"no\\""');
    expect(c?.scheme).toBe("bearer");
    expect(c?.params).toEqual({ realm: "http://127.0.0.1:9/t", scope: "repository:a:pull,push repository:b:pull", error: 'say "no"' });
  });

  it("splits several challenges in one header and prefers Bearer", () => {
    const all = parseChallenges('Basic realm="Registry Realm", Bearer realm="https://t.example/token",service=reg');
    expect(all.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(all[1]?.params).toEqual({ realm: "https://t.example/token", service: "reg" });
    expect(pickChallenge(all)?.scheme).toBe("bearer");
    expect(pickChallenge(parseChallenges('Basic realm="x"'))?.scheme).toBe("basic");
  });

  it("ignores schemes it cannot answer and junk", () => {
    expect(pickChallenge(parseChallenges("Negotiate"))).toBeUndefined();
    expect(pickChallenge(parseChallenges("Bearer service=x"))).toBeUndefined(); // no realm: nowhere to get a token
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges('"unterminated')).toEqual([]);
  });
});

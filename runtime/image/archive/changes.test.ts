import { describe, expect, it } from "vitest";
import { applyChanges, splitWords } from "./changes.ts";

describe("--change instructions", () => {
  it("applies CMD, ENTRYPOINT, ENV, EXPOSE, WORKDIR, USER, LABEL, VOLUME, STOPSIGNAL in order", () => {
    const c = applyChanges({ Env: ["PATH=/bin", "A=1"] }, [
      'CMD ["/bin/sh", "-c", "echo hi"]',
      "entrypoint /init --flag",
      "ENV A=2 B=\"two words\"",
      "ENV C the rest is the value",
      "EXPOSE 80 53/udp 8000-8001",
      "WORKDIR /srv",
      "WORKDIR app",
      "USER 1000:1000",
      "LABEL org.example.k=v",
      'VOLUME ["/data"]',
      "STOPSIGNAL SIGTERM",
    ]);
    expect(c).toEqual({
      Cmd: ["/bin/sh", "-c", "echo hi"],
      Entrypoint: ["/bin/sh", "-c", "/init --flag"],
      Env: ["PATH=/bin", "A=2", "B=two words", "C=the rest is the value"],
      ExposedPorts: { "80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {} },
      WorkingDir: "/srv/app",
      User: "1000:1000",
      Labels: { "org.example.k": "v" },
      Volumes: { "/data": {} },
      StopSignal: "SIGTERM",
    });
  });

  it.each([
    ["RUN make", /unknown instruction "RUN": use one of CMD, ENTRYPOINT/],
    ["CMD", /CMD needs an argument/],
    ['CMD ["a", 1]', /JSON array of strings/],
    ["EXPOSE 70000", /invalid port "70000"/],
    ["EXPOSE 80/icmp", /invalid port "80\/icmp"/],
    ['ENV A="open', /unterminated " quote/],
    ["LABEL =x", /is not NAME=VALUE/],
  ])("refuses %j naming it", (change, reason) => {
    expect(() => applyChanges({}, [change])).toThrow(reason);
    expect(() => applyChanges({}, [change])).toThrow(`--change ${JSON.stringify(change)}`);
  });

  it("splits words the way a Dockerfile does", () => {
    expect(splitWords(`a "b c" 'd e' f\\ g`, "x")).toEqual(["a", "b c", "d e", "f g"]);
  });

  it("leaves the base config untouched", () => {
    const base = { Env: ["A=1"] };
    applyChanges(base, ["ENV A=2"]);
    expect(base).toEqual({ Env: ["A=1"] });
  });
});

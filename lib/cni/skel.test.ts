import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { CniEnv } from "./env.ts";
import { CniError, cniError } from "./errors.ts";
import { runPlugin, type GcContext, type Logger, type Plugin, type PluginContext, type PluginIo } from "./skel.ts";
import type { Command, NetConf, Result } from "./types.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-cni-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Conf {
  network: string;
}

type Handler = (ctx: PluginContext<Conf>) => unknown;

/** A plugin that records every call and does what the test tells it to. */
function fakePlugin(handlers: Partial<Record<"add" | "del" | "check" | "gc" | "status", Handler>> = {}, opts: { withoutGc?: boolean } = {}) {
  const calls: { verb: string; ctx: PluginContext<Conf> | GcContext<Conf> }[] = [];
  const parsed: { raw: NetConf; env: CniEnv }[] = [];
  const defaultResult: Result = {
    cniVersion: "1.1.0",
    interfaces: [{ name: "eth0", sandbox: "/var/run/netns/test", mtu: 1500 }],
    ips: [{ address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 0 }],
  };
  const plugin: Plugin<Conf> = {
    name: "fake",
    parseConfig(raw, env) {
      parsed.push({ raw, env });
      return { network: raw.name };
    },
    async add(ctx) {
      calls.push({ verb: "add", ctx });
      return (handlers.add ? await handlers.add(ctx) : defaultResult) as Result;
    },
    async del(ctx) {
      calls.push({ verb: "del", ctx });
      await handlers.del?.(ctx);
    },
    async check(ctx) {
      calls.push({ verb: "check", ctx });
      await handlers.check?.(ctx);
    },
    async status(ctx) {
      calls.push({ verb: "status", ctx });
      await handlers.status?.(ctx);
    },
  };
  if (!opts.withoutGc) {
    plugin.gc = async (ctx) => {
      calls.push({ verb: "gc", ctx });
      await handlers.gc?.(ctx);
    };
  }
  return { plugin, calls, parsed };
}

interface LogLine {
  level: keyof Logger;
  obj: object | string;
  msg: string | undefined;
}

/** Fake io: an env record, a stdin function, captured stdout and log lines. */
function fakeIo(env: Record<string, string | undefined>, stdin: string | Uint8Array | (() => Uint8Array | Promise<Uint8Array>)) {
  const out: string[] = [];
  const logs: LogLine[] = [];
  let stdinCalls = 0;
  const line = (level: keyof Logger) => (obj: object | string, msg?: string) => void logs.push({ level, obj, msg });
  const io: PluginIo = {
    env,
    stdin: () => {
      stdinCalls++;
      if (typeof stdin === "function") return stdin();
      return typeof stdin === "string" ? bytes(stdin) : stdin;
    },
    stdout: (text) => void out.push(text),
    logger: { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") },
  };
  return {
    io,
    out,
    logs,
    stdinCalls: () => stdinCalls,
    /** The one JSON object printed (fails unless exactly one write happened). */
    json: (): Record<string, unknown> => {
      expect(out).toHaveLength(1);
      return JSON.parse(out[0] as string) as Record<string, unknown>;
    },
  };
}

function envFor(command: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: "c0ffee",
    CNI_NETNS: "/var/run/netns/test",
    CNI_IFNAME: "eth0",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web-0",
    CNI_PATH: "/opt/cni/bin",
    ...extra,
  };
}

function confText(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cniVersion: "1.1.0", name: "net1", type: "fake", ...extra });
}

const ALL_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

async function run(command: string, stdin: Parameters<typeof fakeIo>[1], env: Record<string, string | undefined> = envFor(command), handlers = {}) {
  const p = fakePlugin(handlers);
  const f = fakeIo(env, stdin);
  const code = await runPlugin(p.plugin, f.io);
  return { code, ...p, ...f };
}

describe("VERSION", () => {
  it("answers with empty stdin", async () => {
    const r = await run("VERSION", "", { CNI_COMMAND: "VERSION" });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions: ALL_VERSIONS });
    expect(r.calls).toHaveLength(0);
  });

  it('echoes the version of {"cniVersion":"1.0.0"}', async () => {
    const r = await run("VERSION", '{"cniVersion":"1.0.0"}', { CNI_COMMAND: "VERSION" });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.0.0", supportedVersions: ALL_VERSIONS });
  });

  it("answers with garbage stdin", async () => {
    const r = await run("VERSION", "{not json at all", { CNI_COMMAND: "VERSION" });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions: ALL_VERSIONS });
  });

  it("answers libcni's probe: dummy CNI_NETNS, CNI_IFNAME and CNI_PATH with 1.1.0 on stdin", async () => {
    const env = { CNI_COMMAND: "VERSION", CNI_NETNS: "dummy", CNI_IFNAME: "dummy", CNI_PATH: "dummy", CNI_CONTAINERID: "", CNI_ARGS: "" };
    const r = await run("VERSION", '{"cniVersion":"1.1.0"}', env);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions: ALL_VERSIONS });
  });

  it("is not failed by variables that would fail other verbs", async () => {
    const env = { CNI_COMMAND: "VERSION", CNI_IFNAME: "x".repeat(16), CNI_CONTAINERID: "-bad id" };
    const r = await run("VERSION", '{"cniVersion":"0.4.0"}', env);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ cniVersion: "0.4.0" });
  });

  it("still answers when reading stdin throws", async () => {
    const r = await run("VERSION", () => {
      throw new Error("EIO: stdin is broken");
    }, { CNI_COMMAND: "VERSION" });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions: ALL_VERSIONS });
  });

  it("still answers when reading stdin rejects asynchronously", async () => {
    const r = await run("VERSION", () => Promise.reject(new Error("EIO")), { CNI_COMMAND: "VERSION" });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ cniVersion: "1.1.0" });
  });
});

describe("validation order and error codes", () => {
  it("answers 4 for an unknown command even with garbage stdin", async () => {
    const r = await run("FROB", "{garbage", envFor("FROB"));
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 4, msg: "unknown CNI_COMMAND: FROB" });
    expect(r.calls).toHaveLength(0);
  });

  it("answers 4 when CNI_COMMAND is missing", async () => {
    const r = await run("", confText(), envFor("", { CNI_COMMAND: undefined }));
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 4, msg: "required env variables [CNI_COMMAND] missing" });
  });

  it("answers 4 for a missing CNI_NETNS on ADD before looking at stdin (garbage stdin is not a 6)", async () => {
    const r = await run("ADD", "{garbage", envFor("ADD", { CNI_NETNS: "" }));
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 4, msg: "required env variables [CNI_NETNS] missing" });
    expect(r.calls).toHaveLength(0);
    expect(r.parsed).toHaveLength(0);
  });

  it("answers 4 for a 16-byte ifname, and for 8 × 'é' (16 bytes)", async () => {
    for (const ifname of ["abcdefghijklmnop", "é".repeat(8)]) {
      const r = await run("ADD", confText(), envFor("ADD", { CNI_IFNAME: ifname }));
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ code: 4 });
      expect(String(r.json().msg)).toContain("CNI_IFNAME");
    }
  });

  it("answers 4 for a container ID with bad characters", async () => {
    const r = await run("DEL", confText(), envFor("DEL", { CNI_CONTAINERID: "../etc" }));
    expect(r.json()).toMatchObject({ code: 4, msg: "invalid characters in containerID" });
  });

  it("answers 6 for empty stdin on ADD", async () => {
    const r = await run("ADD", "");
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 6 });
  });

  it("answers 6 for truncated JSON", async () => {
    const r = await run("ADD", '{"cniVersion":"1.0.0","name":"net1","ty');
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ cniVersion: "1.1.0", code: 6, msg: "failed to decode network configuration" });
  });

  it("answers 7 for a bad network name, with the name as details", async () => {
    const r = await run("ADD", confText({ name: "bad name" }));
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 7, msg: "invalid characters found in network name", details: "bad name" });
  });

  it("answers 7 for a missing network name", async () => {
    const r = await run("DEL", JSON.stringify({ cniVersion: "1.0.0", type: "fake" }));
    expect(r.json()).toMatchObject({ code: 7, msg: "missing network name" });
  });

  it("answers 1 for an unsupported version, naming it and the supported list", async () => {
    const r = await run("ADD", confText({ cniVersion: "1.0.1" }));
    expect(r.code).toBe(1);
    const json = r.json();
    expect(json).toMatchObject({ code: 1, msg: "incompatible CNI versions" });
    expect(json.details).toBe('config is "1.0.1", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]');
    expect(r.parsed).toHaveLength(0);
  });

  it("answers 1 for a config without cniVersion (read as 0.1.0)", async () => {
    const r = await run("ADD", JSON.stringify({ name: "net1", type: "fake" }));
    expect(r.json()).toMatchObject({ code: 1 });
    expect(String(r.json().details)).toContain('"0.1.0"');
  });

  it("answers 1 for CHECK below 0.4.0 and for GC and STATUS below 1.1.0", async () => {
    const cases: [string, string][] = [
      ["CHECK", "0.3.1"],
      ["GC", "1.0.0"],
      ["STATUS", "1.0.0"],
      ["GC", "0.4.0"],
    ];
    for (const [command, version] of cases) {
      const r = await run(command, confText({ cniVersion: version }));
      expect(r.code, `${command} ${version}`).toBe(1);
      expect(r.json()).toMatchObject({ code: 1, msg: `config version does not allow ${command}` });
      expect(r.calls).toHaveLength(0);
    }
  });

  it("checks the network name before the version, as the Go skel does", async () => {
    const r = await run("ADD", confText({ name: "bad name", cniVersion: "9.9.9" }));
    expect(r.json()).toMatchObject({ code: 7 });
  });

  it("passes on a CniError from parseConfig (e.g. code 2 for a rejected key)", async () => {
    const f = fakeIo(envFor("ADD"), confText({ mode: "weird" }));
    const plugin: Plugin<Conf> = {
      ...fakePlugin().plugin,
      parseConfig: () => {
        throw cniError(2, 'unsupported field "mode": "weird"');
      },
    };
    expect(await runPlugin(plugin, f.io)).toBe(1);
    expect(f.json()).toMatchObject({ code: 2, msg: 'unsupported field "mode": "weird"' });
  });

  it("answers 5 when reading stdin fails for a verb that needs it", async () => {
    const r = await run("ADD", () => {
      throw new Error("EIO: read error");
    });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 5 });
    expect(String(r.json().details)).toContain("EIO");
  });

  it("reads stdin at most once, on success and on failure", async () => {
    expect((await run("ADD", confText())).stdinCalls()).toBe(1);
    expect((await run("ADD", confText({ name: "bad name" }))).stdinCalls()).toBe(1);
    expect((await run("ADD", confText({ cniVersion: "2.0.0" }))).stdinCalls()).toBe(1);
  });
});

describe("the error JSON", () => {
  it("carries the request's cniVersion when it is well-formed", async () => {
    const r = await run("ADD", confText({ cniVersion: "0.4.0", name: "bad name" }));
    expect(r.json()).toEqual({ cniVersion: "0.4.0", code: 7, msg: "invalid characters found in network name", details: "bad name" });
  });

  it("carries the request's version even when the error is about the environment", async () => {
    const r = await run("ADD", confText({ cniVersion: "1.0.0" }), envFor("ADD", { CNI_IFNAME: "" }));
    expect(r.json()).toMatchObject({ cniVersion: "1.0.0", code: 4 });
  });

  it("carries an unsupported but well-formed request version", async () => {
    expect((await run("ADD", confText({ cniVersion: "1.0.1" }))).json()).toMatchObject({ cniVersion: "1.0.1", code: 1 });
  });

  it("falls back to 1.1.0 when the request has no usable version", async () => {
    expect((await run("ADD", "{trunc")).json().cniVersion).toBe("1.1.0");
    expect((await run("ADD", JSON.stringify({ name: "n", type: "fake" }))).json().cniVersion).toBe("1.1.0");
  });

  it("has all four keys", async () => {
    expect(Object.keys((await run("ADD", "")).json()).sort()).toEqual(["cniVersion", "code", "details", "msg"]);
  });

  it("is logged as an error line", async () => {
    const r = await run("ADD", confText({ name: "bad name" }));
    const errors = r.logs.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe("invalid characters found in network name");
    expect(errors[0]?.obj).toMatchObject({ code: 7, details: "bad name" });
  });

  it("is still printed when the logger itself throws", async () => {
    const f = fakeIo(envFor("ADD"), confText({ name: "bad name" }));
    const boom = (): void => {
      throw new Error("logger down");
    };
    f.io.logger = { debug: boom, info: boom, warn: boom, error: boom };
    expect(await runPlugin(fakePlugin().plugin, f.io)).toBe(1);
    expect(f.json()).toMatchObject({ code: 7 });
  });
});

describe("ADD", () => {
  it("prints the result in the request's version: 1.1.0 without ips[].version", async () => {
    const r = await run("ADD", confText({ cniVersion: "1.1.0" }));
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "eth0", sandbox: "/var/run/netns/test", mtu: 1500 }],
      ips: [{ address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 0 }],
    });
  });

  it("prints the result in the request's version: 0.4.0 with ips[].version and without interface mtu", async () => {
    const r = await run("ADD", confText({ cniVersion: "0.4.0" }));
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      cniVersion: "0.4.0",
      interfaces: [{ name: "eth0", sandbox: "/var/run/netns/test" }],
      ips: [{ address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 0, version: "4" }],
    });
  });

  it("relabels a result whatever version the plugin put on it", async () => {
    const r = await run("ADD", confText({ cniVersion: "1.0.0" }), envFor("ADD"), {
      add: () => ({ cniVersion: "0.3.1", ips: [{ address: "fd00::5/64", version: "6" }] }),
    });
    expect(r.json()).toEqual({ cniVersion: "1.0.0", ips: [{ address: "fd00::5/64" }] });
  });

  it("answers 999 and never exits 0 with empty stdout when the plugin returns no result", async () => {
    for (const nothing of [undefined, null]) {
      const r = await run("ADD", confText(), envFor("ADD"), { add: () => nothing });
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ code: 999 });
    }
  });

  it("answers 999 (berth's own fault, not 6) when the plugin returns an invalid result", async () => {
    const r = await run("ADD", confText(), envFor("ADD"), { add: () => ({ cniVersion: "1.1.0", ips: [{ gateway: "10.0.0.1" }] }) });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 999 });
  });

  it("passes on a CniError thrown by the plugin", async () => {
    const r = await run("ADD", confText(), envFor("ADD"), {
      add: () => {
        throw new CniError(100, "bridge cni0 has a different MTU", "1450 != 1500");
      },
    });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 100, msg: "bridge cni0 has a different MTU", details: "1450 != 1500" });
  });

  it("answers 999 for a plain Error thrown by the plugin", async () => {
    const r = await run("ADD", confText(), envFor("ADD"), {
      add: () => {
        throw new TypeError("cannot read properties of undefined");
      },
    });
    expect(r.json()).toMatchObject({ code: 999, msg: "cannot read properties of undefined" });
  });

  it("gives the plugin the typed config, the raw config with unknown keys, the exact stdin and the parsed env", async () => {
    const text = confText({ cniVersion: "1.0.0", vendorKey: { a: 1 }, capabilities: { portMappings: true } });
    const r = await run("ADD", text, envFor("ADD", { CNI_PATH: "/a::/b" }));
    const ctx = r.calls[0]?.ctx as PluginContext<Conf>;
    expect(ctx.conf).toEqual({ network: "net1" });
    expect(ctx.raw).toMatchObject({ vendorKey: { a: 1 }, capabilities: { portMappings: true } });
    expect(ctx.stdin).toEqual(bytes(text));
    expect(ctx.cniVersion).toBe("1.0.0");
    expect(ctx.env).toMatchObject({ command: "ADD", containerId: "c0ffee", ifname: "eth0", netns: "/var/run/netns/test", path: ["/a", "/b"] });
    expect(ctx.env.args.get("K8S_POD_NAME")).toBe("web-0");
    expect(ctx.prevResult).toBeUndefined();
    expect(r.parsed[0]?.env.command).toBe("ADD");
  });

  it("makes prevResult available in 1.x form", async () => {
    const prevResult = { cniVersion: "0.4.0", interfaces: [{ name: "eth0" }], ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }], dns: {} };
    const r = await run("ADD", confText({ cniVersion: "0.4.0", prevResult }));
    expect(r.calls[0]?.ctx.prevResult).toEqual({ cniVersion: "0.4.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.0.0.2/24", interface: 0 }], dns: {} });
  });

  it("answers 6 for a garbage prevResult on ADD and CHECK", async () => {
    for (const command of ["ADD", "CHECK"]) {
      const r = await run(command, confText({ prevResult: "garbage" }));
      expect(r.code, command).toBe(1);
      expect(r.json()).toMatchObject({ code: 6, msg: "Invalid prevResult" });
      expect(r.calls).toHaveLength(0);
    }
  });
});

describe("DEL, CHECK, GC and STATUS", () => {
  it("print nothing on success", async () => {
    for (const command of ["DEL", "CHECK", "GC", "STATUS"]) {
      const r = await run(command, confText());
      expect(r.code, command).toBe(0);
      expect(r.out, command).toEqual([]);
      expect(r.calls.map((c) => c.verb)).toEqual([command.toLowerCase()]);
    }
  });

  it("DEL runs without CNI_NETNS", async () => {
    const r = await run("DEL", confText(), envFor("DEL", { CNI_NETNS: "" }));
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(r.calls[0]?.ctx.env.netns).toBeUndefined();
  });

  it("DEL ignores a prevResult it cannot decode, with a warning, instead of failing", async () => {
    const r = await run("DEL", confText({ prevResult: { ips: "garbage" } }));
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(r.calls[0]?.ctx.prevResult).toBeUndefined();
    expect(r.logs.some((l) => l.level === "warn")).toBe(true);
  });

  it("DEL gets a valid prevResult", async () => {
    const r = await run("DEL", confText({ prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] } }));
    expect(r.calls[0]?.ctx.prevResult).toEqual({ cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] });
  });

  it("passes a failure of DEL or CHECK on with its code", async () => {
    const r = await run("CHECK", confText({ prevResult: { cniVersion: "1.1.0" } }), envFor("CHECK"), {
      check: () => {
        throw new CniError(11, "daemon not reachable");
      },
    });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 11, msg: "daemon not reachable" });
  });

  it("GC and STATUS accept libcni's environment with empty attachment variables", async () => {
    const env = { CNI_COMMAND: "GC", CNI_CONTAINERID: "", CNI_NETNS: "", CNI_IFNAME: "", CNI_ARGS: "", CNI_PATH: "/opt/cni/bin" };
    expect((await run("GC", confText(), env)).code).toBe(0);
    expect((await run("STATUS", confText(), { ...env, CNI_COMMAND: "STATUS" })).code).toBe(0);
    expect((await run("STATUS", confText(), { CNI_COMMAND: "STATUS" })).code).toBe(0);
  });

  it("GC gets the valid attachments: a list, [] or undefined when the key is missing", async () => {
    const list = [{ containerID: "c1", ifname: "eth0" }];
    const cases: [Record<string, unknown>, unknown][] = [
      [{ "cni.dev/valid-attachments": list, "cni.dev/attachments": list }, list],
      [{ "cni.dev/attachments": list }, list],
      [{ "cni.dev/valid-attachments": [] }, []],
      [{}, undefined],
    ];
    for (const [extra, expected] of cases) {
      const r = await run("GC", confText(extra));
      expect(r.code).toBe(0);
      expect((r.calls[0]?.ctx as GcContext<Conf>).validAttachments).toEqual(expected);
      expect("validAttachments" in (r.calls[0]?.ctx as object)).toBe(true);
    }
  });

  it("GC answers 6 for a malformed attachment list", async () => {
    const r = await run("GC", confText({ "cni.dev/valid-attachments": "c1" }));
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 6 });
    expect(r.calls).toHaveLength(0);
  });

  it("GC and STATUS do not decode prevResult", async () => {
    for (const command of ["GC", "STATUS"]) expect((await run(command, confText({ prevResult: "garbage" }))).code, command).toBe(0);
  });

  it("GC succeeds doing nothing when the plugin has no gc handler", async () => {
    const p = fakePlugin({}, { withoutGc: true });
    const f = fakeIo(envFor("GC"), confText({ "cni.dev/valid-attachments": [] }));
    expect(await runPlugin(p.plugin, f.io)).toBe(0);
    expect(f.out).toEqual([]);
  });

  it("STATUS reports code 50 or 51 from the plugin", async () => {
    for (const code of [50, 51]) {
      const r = await run("STATUS", confText(), envFor("STATUS"), {
        status: () => {
          throw new CniError(code, "plugin not available");
        },
      });
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ cniVersion: "1.1.0", code, msg: "plugin not available" });
    }
  });
});

describe("exactly one JSON object on stdout", () => {
  it("is written once per call that prints, and never for silent successes", async () => {
    const cases: [string, string, number][] = [
      ["VERSION", "", 1],
      ["ADD", confText(), 1],
      ["ADD", "{bad", 1],
      ["DEL", confText(), 0],
      ["DEL", "{bad", 1],
      ["CHECK", confText(), 0],
      ["GC", confText(), 0],
      ["STATUS", confText(), 0],
    ];
    for (const [command, stdin, writes] of cases) {
      const r = await run(command, stdin);
      expect(r.out, `${command} ${stdin}`).toHaveLength(writes);
      for (const text of r.out) expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it("does not print an error after a result when writing the result failed", async () => {
    const f = fakeIo(envFor("ADD"), confText());
    let writes = 0;
    f.io.stdout = () => {
      writes++;
      throw new Error("EPIPE");
    };
    expect(await runPlugin(fakePlugin().plugin, f.io)).toBe(1);
    expect(writes).toBe(1);
  });
});

describe("ctx.ipam", () => {
  /** An IPAM plugin script that saves its stdin and CNI_COMMAND, then answers ADD with a 0.4.0 result. */
  function fakeIpam(dir: string, name: string): void {
    writeFileSync(
      `${dir}/${name}`,
      [
        "#!/bin/sh",
        `cat > "${dir}/stdin.$CNI_COMMAND"`,
        `echo "$CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME" >> "${dir}/calls"`,
        `if [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.22.0.9/16","gateway":"10.22.0.1"}]}'; fi`,
        "",
      ].join("\n"),
    );
    chmodSync(`${dir}/${name}`, 0o755);
  }

  it("runs the config's ipam.type found in CNI_PATH with the same stdin, and returns its result", async () => {
    const empty = tempDir();
    const dir = tempDir();
    fakeIpam(dir, "test-ipam");
    const text = confText({ cniVersion: "0.4.0", ipam: { type: "test-ipam", subnet: "10.22.0.0/16" } });
    const env = envFor("ADD", { CNI_PATH: `${empty}:${dir}`, PATH: process.env.PATH });
    const r = await run("ADD", text, env, {
      add: async (ctx: PluginContext<Conf>) => {
        const ipam = (await ctx.ipam("ADD")) as Result;
        return { cniVersion: ctx.cniVersion, interfaces: [{ name: "eth0" }], ips: ipam.ips?.map((ip) => ({ ...ip, interface: 0 })) };
      },
    });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      cniVersion: "0.4.0",
      interfaces: [{ name: "eth0" }],
      ips: [{ address: "10.22.0.9/16", gateway: "10.22.0.1", interface: 0, version: "4" }],
    });
    expect(readFileSync(`${dir}/stdin.ADD`, "utf8")).toBe(text);
    expect(readFileSync(`${dir}/calls`, "utf8")).toBe("ADD c0ffee eth0\n");
  });

  it("runs IPAM DEL with CNI_COMMAND=DEL", async () => {
    const dir = tempDir();
    fakeIpam(dir, "test-ipam");
    const env = envFor("DEL", { CNI_PATH: dir, CNI_NETNS: "", PATH: process.env.PATH });
    const r = await run("DEL", confText({ ipam: { type: "test-ipam" } }), env, { del: (ctx: PluginContext<Conf>) => ctx.ipam("DEL") });
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(readFileSync(`${dir}/calls`, "utf8")).toBe("DEL c0ffee eth0\n");
  });

  it("passes the IPAM plugin's error code, msg and details through to the error JSON", async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/test-ipam`, `#!/bin/sh\ncat > /dev/null\necho '{"cniVersion":"1.1.0","code":11,"msg":"store locked","details":"retry"}'\nexit 1\n`);
    chmodSync(`${dir}/test-ipam`, 0o755);
    const env = envFor("ADD", { CNI_PATH: dir, PATH: process.env.PATH });
    const r = await run("ADD", confText({ ipam: { type: "test-ipam" } }), env, { add: (ctx: PluginContext<Conf>) => ctx.ipam("ADD") });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 11, msg: "store locked", details: "retry" });
  });

  it("answers 7 when the config has no ipam.type", async () => {
    for (const extra of [{}, { ipam: {} }]) {
      const r = await run("ADD", confText(extra), envFor("ADD"), { add: (ctx: PluginContext<Conf>) => ctx.ipam("ADD") });
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ code: 7, msg: "Missing ipam.type" });
    }
  });

  it("answers 4 naming CNI_PATH when it is not set", async () => {
    const r = await run("ADD", confText({ ipam: { type: "test-ipam" } }), envFor("ADD", { CNI_PATH: "" }), {
      add: (ctx: PluginContext<Conf>) => ctx.ipam("ADD" as Command),
    });
    expect(r.json()).toMatchObject({ code: 4, msg: "required env variables [CNI_PATH] missing" });
  });
});

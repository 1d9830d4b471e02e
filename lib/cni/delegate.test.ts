import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delegate, execPlugin, findInPath, ipamAdd, ipamDel, registerInProcess } from "./delegate.ts";
import { CniError } from "./errors.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-cni-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Write a shell-script plugin `name` into `dir` and return its path. Like every real plugin it
 * reads all of its stdin first (unless the body saves it itself): a delegate that exits without reading it can make spawnSync report EPIPE.
 */
function fakePlugin(dir: string, name: string, body: string, mode = 0o755): string {
  const path = `${dir}/${name}`;
  const readStdin = body.startsWith("cat >") ? "" : "cat > /dev/null\n";
  writeFileSync(path, `#!/bin/sh\n${readStdin}${body}\n`);
  chmodSync(path, mode);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<CniError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error("expected the promise to reject");
}

function syncError(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error("expected the call to throw");
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The environment a runtime would give the calling plugin. */
function callerEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "c0ffee",
    CNI_NETNS: "/var/run/netns/test",
    CNI_IFNAME: "eth0",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web-0",
    ...extra,
  };
}

const IPAM_RESULT_040 = '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.22.0.5/16","gateway":"10.22.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}';

describe("findInPath", () => {
  it("finds a plugin that exists only in the second directory", () => {
    const a = tempDir();
    const b = tempDir();
    const path = fakePlugin(b, "host-local", "exit 0");
    expect(findInPath("host-local", [a, b])).toBe(path);
  });

  it("takes the first directory that has it", () => {
    const a = tempDir();
    const b = tempDir();
    const first = fakePlugin(a, "host-local", "exit 0");
    fakePlugin(b, "host-local", "exit 0");
    expect(findInPath("host-local", [a, b])).toBe(first);
  });

  it("skips a file that is not executable", () => {
    const a = tempDir();
    const b = tempDir();
    fakePlugin(a, "host-local", "exit 0", 0o644);
    const good = fakePlugin(b, "host-local", "exit 0");
    expect(findInPath("host-local", [a, b])).toBe(good);
  });

  it("skips a directory with the plugin's name", () => {
    const a = tempDir();
    const b = tempDir();
    mkdirSync(`${a}/host-local`);
    chmodSync(`${a}/host-local`, 0o755);
    const good = fakePlugin(b, "host-local", "exit 0");
    expect(findInPath("host-local", [a, b])).toBe(good);
  });

  it("follows a symlink to an executable", () => {
    const a = tempDir();
    const real = fakePlugin(a, "real-plugin", "exit 0");
    symlinkSync(real, `${a}/linked`);
    expect(findInPath("linked", [a])).toBe(`${a}/linked`);
  });

  it("accepts directories written with a trailing slash", () => {
    const a = tempDir();
    fakePlugin(a, "p", "exit 0");
    expect(findInPath("p", [`${a}/`])).toBe(`${a}/p`);
  });

  it("rejects a type with a path separator, or an empty type, with code 7 without looking", () => {
    for (const type of ["../host-local", "/bin/sh", "a\\b", ""]) {
      const err = syncError(() => findInPath(type, []));
      expect(err.code, type).toBe(7);
      expect(err.msg).toContain(JSON.stringify(type));
    }
  });

  it("answers 4 naming CNI_PATH when there are no directories", () => {
    const err = syncError(() => findInPath("host-local", []));
    expect(err.code).toBe(4);
    expect(err.msg).toBe("required env variables [CNI_PATH] missing");
    expect(err.details).toContain("host-local");
  });

  it("answers 7 naming the plugin and the directories when it is nowhere", () => {
    const a = tempDir();
    const b = tempDir();
    const err = syncError(() => findInPath("nope", [a, b]));
    expect(err.code).toBe(7);
    expect(err.msg).toBe(`failed to find plugin "nope" in path [${a} ${b}]`);
  });
});

describe("delegate: what the delegate receives", () => {
  it("passes the caller's stdin byte for byte", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `cat > "${dir}/stdin.copy"\nprintf '%s' '${IPAM_RESULT_040}'`);
    // Odd spacing, non-ASCII text, no trailing newline, and bytes that are not valid UTF-8.
    const stdin = new Uint8Array([...bytes('{ "cniVersion":"0.4.0",\n  "name":"réseau-ü", "type":"bridge", "x":"'), 0xff, 0xfe, ...bytes('" }')]);
    await delegate("ipam", { command: "ADD", env: callerEnv(), stdin, path: [dir] });
    expect(new Uint8Array(readFileSync(`${dir}/stdin.copy`))).toEqual(stdin);
  });

  it("runs it with the caller's environment, only CNI_COMMAND overridden", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `env > "${dir}/env.dump"`);
    const env = callerEnv({ CNI_PATH: `${dir}:/opt/cni/bin`, TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", DROPPED: undefined });
    await delegate("ipam", { command: "DEL", env, stdin: bytes("{}"), path: [dir] });
    const seen = new Map(
      readFileSync(`${dir}/env.dump`, "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]),
    );
    expect(seen.get("CNI_COMMAND")).toBe("DEL");
    for (const [k, v] of Object.entries(env)) if (k !== "CNI_COMMAND" && v !== undefined) expect(seen.get(k), k).toBe(v);
    expect(seen.has("DROPPED")).toBe(false);
    expect([...seen.keys()].filter((k) => k.startsWith("CNI_")).sort()).toEqual(
      ["CNI_ARGS", "CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"].sort(),
    );
  });

  it("does not change the caller's env record", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", "exit 0");
    const env = callerEnv();
    await delegate("ipam", { command: "DEL", env, stdin: bytes("{}"), path: [dir] });
    expect(env.CNI_COMMAND).toBe("ADD");
  });
});

describe("delegate: results", () => {
  it("parses an ADD result and normalises a 0.4.0 one to 1.x form", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `printf '%s' '${IPAM_RESULT_040}'`);
    const result = await delegate("ipam", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] });
    expect(result).toEqual({
      cniVersion: "0.4.0",
      ips: [{ address: "10.22.0.5/16", gateway: "10.22.0.1" }],
      routes: [{ dst: "0.0.0.0/0" }],
      dns: {},
    });
  });

  it("ignores what the delegate writes to stderr", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `echo "a log line" >&2\nprintf '%s' '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}'`);
    const result = await delegate("ipam", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] });
    expect(result?.ips).toEqual([{ address: "10.0.0.2/24" }]);
  });

  it("resolves DEL with no output to undefined", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", "exit 0");
    await expect(delegate("ipam", { command: "DEL", env: callerEnv(), stdin: bytes("{}"), path: [dir] })).resolves.toBeUndefined();
  });

  it("resolves CHECK, GC and STATUS to undefined even if the delegate prints something", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", "echo '{\"cniVersion\":\"1.1.0\"}'");
    for (const command of ["CHECK", "GC", "STATUS"] as const) {
      await expect(delegate("ipam", { command, env: callerEnv(), stdin: bytes("{}"), path: [dir] })).resolves.toBeUndefined();
    }
  });

  it("answers 6 when ADD succeeds with no output, non-JSON output, null or an invalid result", async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ["empty", "exit 0"],
      ["garbage", "echo 'not json'"],
      ["null", "echo null"],
      ["noaddr", `echo '{"cniVersion":"1.0.0","ips":[{"gateway":"10.0.0.1"}]}'`],
    ];
    for (const [name, body] of cases) {
      fakePlugin(dir, name, body);
      const err = await rejection(delegate(name, { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
      expect(err.code, name).toBe(6);
      expect(err.message).toContain(name);
    }
  });
});

describe("delegate: errors", () => {
  for (const code of [11, 105]) {
    it(`rethrows the delegate's error JSON (code ${code}) with the same code, msg and details`, async () => {
      const dir = tempDir();
      fakePlugin(dir, "ipam", `echo '{"cniVersion":"1.0.0","code":${code},"msg":"no addresses left","details":"range 10.0.0.0/30 is full"}'\nexit 1`);
      const err = await rejection(delegate("ipam", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
      expect(err.code).toBe(code);
      expect(err.msg).toBe("no addresses left");
      expect(err.details).toBe("range 10.0.0.0/30 is full");
    });
  }

  it("keeps an error without details as one without details", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `echo '{"code":7,"msg":"bad range"}'\nexit 1`);
    const err = await rejection(delegate("ipam", { command: "DEL", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
    expect([err.code, err.msg, err.details]).toEqual([7, "bad range", undefined]);
  });

  it("answers 999 naming the plugin when it fails with empty stdout", async () => {
    const dir = tempDir();
    fakePlugin(dir, "silent-fail", "exit 3");
    const err = await rejection(delegate("silent-fail", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
    expect(err.code).toBe(999);
    expect(err.msg).toContain('"silent-fail"');
    expect(err.details).toBe("exit status 3");
  });

  it("answers 999 with the output as details when it fails with something that is not an error JSON", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", "echo 'panic: runtime error'\nexit 2");
    const err = await rejection(delegate("ipam", { command: "DEL", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
    expect(err.code).toBe(999);
    expect(err.details).toBe("panic: runtime error");
  });

  it("kills a delegate that runs past timeoutMs and answers 11", async () => {
    const dir = tempDir();
    fakePlugin(dir, "slow", "exec sleep 10");
    const started = Date.now();
    const err = await rejection(delegate("slow", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir], timeoutMs: 200 }));
    expect(err.code).toBe(11);
    expect(err.msg).toContain("200 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("answers 999 when the file cannot be executed at all", async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/broken`, "#!/nonexistent/interpreter\n");
    chmodSync(`${dir}/broken`, 0o755);
    const err = await rejection(execPlugin(`${dir}/broken`, { command: "ADD", env: callerEnv(), stdin: bytes("{}") }));
    expect(err.code).toBe(999);
    expect(err.msg).toContain("broken");
  });

  it("fails before running anything when the type is not found", async () => {
    const dir = tempDir();
    const err = await rejection(delegate("missing", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
    expect(err.code).toBe(7);
  });
});

describe("delegate: a delegate that exits without reading its stdin", () => {
  /** Write the plugin without the stdin-draining prefix fakePlugin adds. */
  function rawPlugin(dir: string, name: string, body: string): void {
    writeFileSync(`${dir}/${name}`, `#!/bin/sh\n${body}\n`);
    chmodSync(`${dir}/${name}`, 0o755);
  }

  // spawnSync reports EPIPE when the child is gone before its stdin was written: a race, so
  // each case runs many times (before the fix, a handful of runs was enough to hit it).
  it("still succeeds when the delegate's DEL exits 0 at once", async () => {
    const dir = tempDir();
    rawPlugin(dir, "quick", "exit 0");
    for (let i = 0; i < 150; i++) {
      await expect(delegate("quick", { command: "DEL", env: callerEnv(), stdin: bytes("{}"), path: [dir] })).resolves.toBeUndefined();
    }
  });

  it("still passes the delegate's own error code on", async () => {
    const dir = tempDir();
    rawPlugin(dir, "busy", `echo '{"cniVersion":"1.1.0","code":11,"msg":"locked","details":"try later"}'\nexit 1`);
    for (let i = 0; i < 150; i++) {
      const err = await rejection(delegate("busy", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
      expect([err.code, err.msg, err.details]).toEqual([11, "locked", "try later"]);
    }
  });
});

describe("delegate: in-process fast path", () => {
  it("is not used when the file found in CNI_PATH is not this executable", async () => {
    const dir = tempDir();
    fakePlugin(dir, "test-ipam-exec", `echo '{"cniVersion":"1.0.0","ips":[{"address":"10.9.9.9/24"}]}'`);
    let calls = 0;
    registerInProcess("test-ipam-exec", async () => {
      calls++;
      return { code: 0, stdout: '{"cniVersion":"1.0.0","ips":[{"address":"10.1.1.1/24"}]}' };
    });
    const result = await delegate("test-ipam-exec", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] });
    expect(result?.ips).toEqual([{ address: "10.9.9.9/24" }]);
    expect(calls).toBe(0);
  });

  it("is used when the file found is a symlink to this executable, with CNI_COMMAND overridden and the same stdin", async () => {
    const dir = tempDir();
    symlinkSync(process.execPath, `${dir}/test-ipam-inproc`);
    const seen: { env?: Record<string, string | undefined>; stdin?: Uint8Array } = {};
    registerInProcess("test-ipam-inproc", async (env, stdin) => {
      seen.env = env;
      seen.stdin = stdin;
      return { code: 0, stdout: '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.1.1/24"}]}' };
    });
    const stdin = bytes('{"cniVersion":"0.4.0","name":"n","type":"bridge"}');
    const result = await delegate("test-ipam-inproc", { command: "ADD", env: callerEnv({ CNI_COMMAND: "DEL" }), stdin, path: [dir] });
    expect(result?.ips).toEqual([{ address: "10.1.1.1/24" }]);
    expect(seen.env?.CNI_COMMAND).toBe("ADD");
    expect(seen.env?.CNI_CONTAINERID).toBe("c0ffee");
    expect(seen.stdin).toEqual(stdin);
  });

  it("passes an in-process delegate's error on with its code, msg and details", async () => {
    const dir = tempDir();
    symlinkSync(process.execPath, `${dir}/test-ipam-inproc-err`);
    registerInProcess("test-ipam-inproc-err", async () => ({ code: 1, stdout: '{"cniVersion":"1.1.0","code":11,"msg":"locked","details":"store busy"}' }));
    const err = await rejection(delegate("test-ipam-inproc-err", { command: "ADD", env: callerEnv(), stdin: bytes("{}"), path: [dir] }));
    expect([err.code, err.msg, err.details]).toEqual([11, "locked", "store busy"]);
  });
});

describe("ipamAdd and ipamDel", () => {
  it("run the delegate with ADD and DEL", async () => {
    const dir = tempDir();
    fakePlugin(dir, "ipam", `echo "$CNI_COMMAND" >> "${dir}/verbs"\nif [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.7/24"}]}'; fi`);
    const req = { env: callerEnv(), stdin: bytes("{}"), path: [dir] };
    expect((await ipamAdd("ipam", req)).ips).toEqual([{ address: "10.0.0.7/24" }]);
    await expect(ipamDel("ipam", req)).resolves.toBeUndefined();
    expect(readFileSync(`${dir}/verbs`, "utf8")).toBe("ADD\nDEL\n");
  });
});

import { describe, expect, it } from "vitest";
import { CniError } from "./errors.ts";
import { COMMANDS, CONTAINER_ID_PATTERN, MAX_IFNAME_BYTES, ifnameProblem, parseCommand, parseEnv } from "./env.ts";

function envError(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(4);
    return err as CniError;
  }
  throw new Error("expected the call to throw");
}

/** A complete ADD environment, as libcni sends it. */
function addEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "c0ffee",
    CNI_NETNS: "/var/run/netns/test",
    CNI_IFNAME: "eth0",
    CNI_ARGS: "",
    CNI_PATH: "/opt/cni/bin",
    ...overrides,
  };
}

describe("parseCommand", () => {
  it("accepts the six verbs, STATUS included", () => {
    expect([...COMMANDS]).toEqual(["ADD", "DEL", "CHECK", "VERSION", "GC", "STATUS"]);
    for (const c of COMMANDS) expect(parseCommand({ CNI_COMMAND: c })).toBe(c);
  });

  it("answers 4 for an unknown command, naming it", () => {
    const err = envError(() => parseCommand({ CNI_COMMAND: "FROB" }));
    expect(err.msg).toBe("unknown CNI_COMMAND: FROB");
    expect(err.details).toContain("STATUS");
  });

  it("is case-sensitive: 'add' is unknown", () => {
    expect(envError(() => parseCommand({ CNI_COMMAND: "add" })).msg).toBe("unknown CNI_COMMAND: add");
  });

  it("answers 4 naming CNI_COMMAND when it is missing or empty", () => {
    expect(envError(() => parseCommand({})).msg).toBe("required env variables [CNI_COMMAND] missing");
    expect(envError(() => parseCommand({ CNI_COMMAND: "" })).msg).toBe("required env variables [CNI_COMMAND] missing");
  });
});

describe("parseEnv, required variables", () => {
  it("reads a complete ADD environment", () => {
    const env = parseEnv(addEnv({ CNI_ARGS: "IP=10.0.0.5", CNI_PATH: "/opt/cni/bin:/usr/lib/cni" }));
    expect(env.command).toBe("ADD");
    expect(env.containerId).toBe("c0ffee");
    expect(env.netns).toBe("/var/run/netns/test");
    expect(env.ifname).toBe("eth0");
    expect(env.argsText).toBe("IP=10.0.0.5");
    expect(env.args.get("IP")).toBe("10.0.0.5");
    expect(env.path).toEqual(["/opt/cni/bin", "/usr/lib/cni"]);
  });

  it("names every missing variable for ADD", () => {
    const err = envError(() => parseEnv({ CNI_COMMAND: "ADD" }));
    expect(err.msg).toBe("required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
  });

  it("names only the one missing variable", () => {
    expect(envError(() => parseEnv(addEnv({ CNI_NETNS: undefined }))).msg).toBe("required env variables [CNI_NETNS] missing");
    expect(envError(() => parseEnv(addEnv({ CNI_IFNAME: undefined }))).msg).toBe("required env variables [CNI_IFNAME] missing");
    expect(envError(() => parseEnv(addEnv({ CNI_CONTAINERID: undefined }))).msg).toBe("required env variables [CNI_CONTAINERID] missing");
  });

  it("treats an empty string exactly like an unset variable", () => {
    expect(envError(() => parseEnv(addEnv({ CNI_NETNS: "" }))).msg).toBe("required env variables [CNI_NETNS] missing");
    expect(envError(() => parseEnv(addEnv({ CNI_CONTAINERID: "", CNI_IFNAME: "" }))).msg).toBe(
      "required env variables [CNI_CONTAINERID,CNI_IFNAME] missing",
    );
    const env = parseEnv(addEnv({ CNI_ARGS: "", CNI_PATH: "" }));
    expect(env.argsText).toBeUndefined();
    expect(env.args.size).toBe(0);
    expect(env.path).toEqual([]);
  });

  it("requires CNI_NETNS for CHECK", () => {
    expect(envError(() => parseEnv(addEnv({ CNI_COMMAND: "CHECK", CNI_NETNS: "" }))).msg).toBe("required env variables [CNI_NETNS] missing");
  });

  it("lets DEL run without CNI_NETNS", () => {
    const env = parseEnv(addEnv({ CNI_COMMAND: "DEL", CNI_NETNS: "" }));
    expect(env.command).toBe("DEL");
    expect(env.netns).toBeUndefined();
    expect(env.containerId).toBe("c0ffee");
  });

  it("still requires the container ID and ifname for DEL", () => {
    expect(envError(() => parseEnv({ CNI_COMMAND: "DEL" })).msg).toBe("required env variables [CNI_CONTAINERID,CNI_IFNAME] missing");
  });

  it("needs nothing but the command for GC, STATUS and VERSION", () => {
    for (const c of ["GC", "STATUS", "VERSION"]) {
      const env = parseEnv({ CNI_COMMAND: c });
      expect(env.command).toBe(c);
      expect(env.path).toEqual([]);
    }
  });

  it("accepts libcni's GC environment with empty attachment variables", () => {
    const env = parseEnv({ CNI_COMMAND: "GC", CNI_CONTAINERID: "", CNI_NETNS: "", CNI_IFNAME: "", CNI_ARGS: "", CNI_PATH: "/opt/cni/bin" });
    expect(env).toMatchObject({ command: "GC", path: ["/opt/cni/bin"] });
    expect(env.containerId).toBeUndefined();
    expect(env.ifname).toBeUndefined();
  });

  it("does not validate the container ID or ifname for GC and STATUS", () => {
    expect(() => parseEnv({ CNI_COMMAND: "STATUS", CNI_CONTAINERID: "-bad", CNI_IFNAME: "a/b" })).not.toThrow();
  });

  it("ignores unrelated variables", () => {
    expect(() => parseEnv(addEnv({ TRACEPARENT: "00-abc-def-01", PATH: "/usr/bin", HOME: "/root" }))).not.toThrow();
  });
});

describe("parseEnv, CNI_PATH", () => {
  it("splits on ':' and drops empty entries", () => {
    expect(parseEnv(addEnv({ CNI_PATH: ":/a::/b:" })).path).toEqual(["/a", "/b"]);
  });

  it("keeps the order of the directories", () => {
    expect(parseEnv(addEnv({ CNI_PATH: "/z:/a:/m" })).path).toEqual(["/z", "/a", "/m"]);
  });
});

describe("parseEnv, container ID", () => {
  it("accepts letters, digits, '_', '.' and '-' after an alphanumeric first character", () => {
    for (const id of ["a", "0", "abc_DEF.123-x", "k8s_POD.default-1"]) expect(parseEnv(addEnv({ CNI_CONTAINERID: id })).containerId).toBe(id);
  });

  it("rejects a bad first character or other characters with code 4", () => {
    for (const id of ["-abc", "_abc", ".abc", "a/b", "a b", "a:b", "é", "a\n"]) {
      const err = envError(() => parseEnv(addEnv({ CNI_CONTAINERID: id })));
      expect(err.msg, id).toBe("invalid characters in containerID");
      expect(err.details).toContain("CNI_CONTAINERID");
    }
  });

  it("applies to DEL and CHECK as well as ADD", () => {
    for (const c of ["DEL", "CHECK"]) envError(() => parseEnv(addEnv({ CNI_COMMAND: c, CNI_CONTAINERID: "/x" })));
  });

  it("matches the libcni pattern", () => {
    expect(CONTAINER_ID_PATTERN.source).toBe("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$");
  });
});

describe("ifnameProblem", () => {
  it("accepts ordinary names up to 15 bytes", () => {
    for (const n of ["eth0", "net1", "a", "veth-1_a.b", "x".repeat(15), "é".repeat(7)]) expect(ifnameProblem(n), n).toBeUndefined();
  });

  it("rejects an empty name", () => {
    expect(ifnameProblem("")).toBe("must not be empty");
  });

  it("rejects 16 bytes (IFNAMSIZ minus the NUL is 15)", () => {
    expect(MAX_IFNAME_BYTES).toBe(15);
    expect(ifnameProblem("x".repeat(16))).toBe("is 16 bytes long, the limit is 15");
  });

  it("counts multi-byte UTF-8 characters in bytes: 8 × 'é' is 16 bytes", () => {
    expect("é".repeat(8).length).toBe(8);
    expect(ifnameProblem("é".repeat(8))).toBe("is 16 bytes long, the limit is 15");
    expect(ifnameProblem("abcdefghijklmn€")).toBe("is 17 bytes long, the limit is 15");
  });

  it('rejects "." and ".."', () => {
    expect(ifnameProblem(".")).toBe('must not be "." or ".."');
    expect(ifnameProblem("..")).toBe('must not be "." or ".."');
    expect(ifnameProblem("...")).toBeUndefined();
  });

  it('rejects "/" and ":"', () => {
    expect(ifnameProblem("eth/0")).toBe('must not contain "/"');
    expect(ifnameProblem("eth0:1")).toBe('must not contain ":"');
  });

  it("rejects any whitespace", () => {
    for (const n of ["eth 0", "eth\t0", "eth0\n", "\u00a0eth0"]) expect(ifnameProblem(n), JSON.stringify(n)).toBe("must not contain whitespace");
  });
});

describe("parseEnv, ifname", () => {
  it("answers 4 naming CNI_IFNAME for a bad name on ADD, CHECK and DEL", () => {
    for (const c of ["ADD", "CHECK", "DEL"]) {
      const err = envError(() => parseEnv(addEnv({ CNI_COMMAND: c, CNI_IFNAME: "x".repeat(16) })));
      expect(err.msg).toBe(`Invalid CNI_IFNAME "${"x".repeat(16)}": is 16 bytes long, the limit is 15`);
    }
  });

  it("rejects each kind of bad name", () => {
    for (const n of [".", "..", "a/b", "a:b", "a b", "é".repeat(8)]) {
      expect(envError(() => parseEnv(addEnv({ CNI_IFNAME: n }))).msg, n).toContain("CNI_IFNAME");
    }
  });

  it("accepts a 15-byte name", () => {
    expect(parseEnv(addEnv({ CNI_IFNAME: "abcdefghijklmno" })).ifname).toBe("abcdefghijklmno");
  });
});

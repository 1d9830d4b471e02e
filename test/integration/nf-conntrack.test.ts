/**
 * lib/netlink/nf's ConntrackHandle against the real kernel, inside a throwaway namespace,
 * with `conntrack -L -o extended` (conntrack-tools) as the independent oracle.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openConntrackHandle, type ConntrackFlow, type ConntrackHandle } from "../../lib/netlink/index.ts";
import { TestNetns, uniqueName } from "../harness/index.ts";

let ns: TestNetns;
let h: ConntrackHandle;

beforeEach(() => {
  ns = TestNetns.create("c");
  h = openConntrackHandle(ns.path);
});

afterEach(() => {
  try {
    h.close();
  } finally {
    ns.destroy();
  }
});

/** `conntrack -I` of a flow and its plain reply (no NAT), 100 s to live. */
function insert(proto: "tcp" | "udp", src: string, dst: string, sport: number, dport: number): void {
  const args = ["-I", "-p", proto, "-s", src, "-d", dst, "--sport", String(sport), "--dport", String(dport), "-t", "100"];
  args.push("--reply-src", dst, "--reply-dst", src, "--reply-port-src", String(dport), "--reply-port-dst", String(sport));
  if (proto === "tcp") args.push("--state", "ESTABLISHED");
  ns.run("conntrack", args);
}

/** The flows conntrack-tools lists in the namespace, as `proto src:sport > dst:dport`, sorted. */
function conntrackList(): string[] {
  const out = ns.run("conntrack", ["-L", "-o", "extended"]);
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const m = /^ipv[46]\s+\d+\s+(\w+)\s+\d+\s+\d+\s+(?:\w+\s+)?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/.exec(line);
      if (!m) throw new Error(`unexpected conntrack line: ${line}`);
      return `${m[1]} ${m[2]}:${m[4]} > ${m[3]}:${m[5]}`;
    })
    .sort();
}

const text = (flows: readonly ConntrackFlow[]): string[] =>
  flows.map((f) => `${String(f.protocol)} ${f.orig.src}:${f.orig.srcPort} > ${f.orig.dst}:${f.orig.dstPort}`).sort();

describe("ConntrackHandle", () => {
  beforeEach(() => {
    insert("udp", "10.0.0.1", "10.0.0.2", 1000, 53);
    insert("udp", "10.0.0.1", "10.0.0.3", 1001, 53);
    insert("udp", "10.0.0.1", "10.0.0.2", 1002, 54);
    insert("tcp", "10.0.0.1", "10.0.0.2", 1000, 53);
    insert("udp", "fd00::1", "fd00::2", 1000, 53);
  });

  it("lists what conntrack lists, per family, with both tuples", () => {
    const all = [...h.list({ family: 4 }), ...h.list({ family: 6 })];
    expect(text(all)).toEqual(conntrackList());
    const tcp = h.list({ family: 4, protocol: "tcp" });
    expect(tcp).toHaveLength(1);
    expect(tcp[0]).toMatchObject({ family: 4, protocol: "tcp", reply: { src: "10.0.0.2", dst: "10.0.0.1", srcPort: 53, dstPort: 1000 } });
    expect(text(h.list({ family: 4, origDst: "10.0.0.3" }))).toEqual(["udp 10.0.0.1:1001 > 10.0.0.3:53"]);
  });

  it("deletes exactly the matching flows and says how many; a second time finds none", () => {
    expect(h.delete({ family: 4, protocol: "udp", origDstPort: 53 })).toBe(2);
    expect(conntrackList()).toEqual(["tcp 10.0.0.1:1000 > 10.0.0.2:53", "udp 10.0.0.1:1002 > 10.0.0.2:54", "udp fd00::1:1000 > fd00::2:53"]);
    expect(h.delete({ family: 4, protocol: "udp", origDstPort: 53 })).toBe(0);
    expect(h.delete({ family: 6, protocol: "udp", origDstPort: 53, replySrc: "fd00::2", replySrcPort: 53 })).toBe(1);
    expect(conntrackList()).toEqual(["tcp 10.0.0.1:1000 > 10.0.0.2:53", "udp 10.0.0.1:1002 > 10.0.0.2:54"]);
  });
});

describe("ConntrackHandle on real traffic", () => {
  it("deletes a UDP flow made over loopback, and only it", () => {
    // With a `ct state` rule loaded, the namespace tracks its loopback traffic.
    const table = uniqueName("t");
    ns.run("nft", ["-f", "-"], `table inet ${table} { chain o { type filter hook output priority 0; ct state new accept; }; }\n`);
    const script = `const d = require("node:dgram"); const srv = d.createSocket("udp4"); srv.bind(5300, "127.0.0.1", () => { const c = d.createSocket("udp4"); c.bind(5301, "127.0.0.1", () => c.send("x", 5300, "127.0.0.1")); srv.on("message", () => { console.log("got"); process.exit(0); }); });`;
    expect(ns.run(process.execPath, ["-e", script]).trim()).toBe("got");
    insert("udp", "127.0.0.1", "127.0.0.1", 5301, 5399);
    expect(conntrackList()).toEqual(["udp 127.0.0.1:5301 > 127.0.0.1:5300", "udp 127.0.0.1:5301 > 127.0.0.1:5399"]);
    expect(h.delete({ family: 4, protocol: "udp", origDstPort: 5300 })).toBe(1);
    expect(conntrackList()).toEqual(["udp 127.0.0.1:5301 > 127.0.0.1:5399"]);
  });
});

/**
 * lib/netlink/nf's NftHandle against the real kernel, inside throwaway namespaces only, with
 * `nft -j list` as the independent oracle; and a DNAT map filled by NftHandle carrying a real
 * TCP connection between two namespaces.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatIp, lastAddress, parseCidr } from "../../lib/ip/index.ts";
import { NftElementError, formatElement, openNftHandle, type NftElement, type NftElementChange, type NftField, type NftHandle } from "../../lib/netlink/index.ts";
import { TestNetns, uniqueName } from "../harness/index.ts";

let ns: TestNetns;
let table: string;
let h: NftHandle;

beforeEach(() => {
  ns = TestNetns.create("f");
  table = uniqueName("t");
  ns.run(
    "nft",
    ["-f", "-"],
    `table inet ${table} {
      set s4 { type ipv4_addr; }
      set ports { type inet_service; }
      map pm { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service; }
      set iv { type ipv4_addr; flags interval; }
      set civ { type ipv4_addr . inet_service; flags interval; }
      chain c1 { }
      chain c2 { }
      map vm { type ifname : verdict; }
    }\n`,
  );
  h = openNftHandle(ns.path);
});

afterEach(() => {
  try {
    h.close();
  } finally {
    ns.destroy();
  }
});

type Json = string | number | null | { [k: string]: Json } | Json[];

/** nft's JSON for one field, or a concatenation of fields, as [first, last] text. */
function nftRange(v: Json): [string, string] {
  if (typeof v === "string" || typeof v === "number") return [String(v), String(v)];
  if (Array.isArray(v) || v === null) throw new Error(`unexpected nft JSON ${JSON.stringify(v)}`);
  if ("concat" in v) {
    const fields = (v.concat as Json[]).map(nftRange);
    return [fields.map((f) => f[0]).join(" . "), fields.map((f) => f[1]).join(" . ")];
  }
  if ("prefix" in v) {
    const p = v.prefix as { addr: string; len: number };
    return [p.addr, formatIp(lastAddress(parseCidr(`${p.addr}/${p.len}`)))];
  }
  if ("range" in v) {
    const [a, b] = v.range as Json[];
    return [nftRange(a!)[0], nftRange(b!)[1]];
  }
  const [verdict] = Object.keys(v);
  const target = (v[verdict!] as { target?: string } | null)?.target;
  const text = target === undefined ? verdict! : `${verdict} ${target}`;
  return [text, text];
}

/** A key or value in the text formatElement writes (quotes dropped); `first-last` in interval sets. */
function nftText(v: Json, interval: boolean): string {
  const [first, last] = nftRange(v);
  return interval ? `${first}-${last}` : first;
}

/** The elements nft lists for a set or map, as text, sorted. */
function nftElements(kind: "set" | "map", name: string): string[] {
  const out = JSON.parse(ns.run("nft", ["-j", "list", kind, "inet", table, name])) as { nftables: Record<string, { flags?: string[]; elem?: Json[] }>[] };
  const obj = out.nftables.find((o) => kind in o)?.[kind];
  const interval = obj?.flags?.includes("interval") ?? false;
  return (obj?.elem ?? []).map((e) => (Array.isArray(e) ? `${nftText(e[0]!, interval)} : ${nftText(e[1]!, false)}` : nftText(e, interval))).sort();
}

const text = (elements: readonly NftElement[]): string[] => elements.map((e) => formatElement(e).replaceAll('"', "")).sort();

const v4 = (value: string): NftField => ({ type: "ipv4_addr", value });
const port = (value: number): NftField => ({ type: "inet_service", value });
const ifname = (value: string): NftField => ({ type: "ifname", value });
const pmElement = (proto: "tcp" | "udp", ip: string, p: number, to: string, toPort: number): NftElement => ({
  key: [{ type: "inet_proto", value: proto }, v4(ip), port(p)],
  data: [v4(to), port(toPort)],
});
const change = (op: "add" | "delete", set: string, ...elements: NftElement[]): NftElementChange => ({ op, family: "inet", table, set, elements });

describe("NftHandle against nft", () => {
  it("adds to a set, a concatenated map, an interval set and a verdict map in one batch; nft lists exactly those", () => {
    h.apply([
      change("add", "s4", { key: [v4("10.0.0.1")] }, { key: [v4("10.0.0.2")] }),
      change("add", "pm", pmElement("tcp", "10.0.0.1", 8080, "172.17.0.2", 80), pmElement("udp", "10.0.0.1", 53, "172.17.0.3", 5353)),
      change("add", "iv", { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] }, { key: [v4("10.6.0.1")] }, { key: [v4("10.7.0.3")], keyEnd: [v4("10.7.0.9")] }),
      change("add", "vm", { key: [ifname("veth0")], data: { verdict: "jump", chain: "c1" } }, { key: [ifname("br0")], data: { verdict: "goto", chain: "c2" } }, { key: [ifname("eth1")], data: { verdict: "drop" } }),
      change("add", "ports", { key: [port(443)] }),
    ]);
    expect(nftElements("set", "s4")).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(nftElements("map", "pm")).toEqual(["tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80", "udp . 10.0.0.1 . 53 : 172.17.0.3 . 5353"]);
    expect(nftElements("set", "iv")).toEqual(["10.5.0.0-10.5.0.255", "10.6.0.1-10.6.0.1", "10.7.0.3-10.7.0.9"]);
    expect(nftElements("map", "vm")).toEqual(["br0 : goto c2", "eth1 : drop", "veth0 : jump c1"]);
    expect(nftElements("set", "ports")).toEqual(["443"]);
    // A single value in an interval set stays a single value (not an interval open to the end).
    expect(ns.run("nft", ["list", "set", "inet", table, "iv"])).toMatch(/elements = \{ 10\.5\.0\.0\/24, 10\.6\.0\.1,\s+10\.7\.0\.3-10\.7\.0\.9 \}/);
  });

  it("deletes elements, intervals included; nft no longer lists them and they can be added again", () => {
    const range: NftElement = { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] };
    const jump: NftElement = { key: [ifname("veth0")], data: { verdict: "jump", chain: "c1" } };
    const pm = pmElement("tcp", "10.0.0.1", 8080, "172.17.0.2", 80);
    h.apply([change("add", "s4", { key: [v4("10.0.0.1")] }, { key: [v4("10.0.0.2")] }), change("add", "iv", range, { key: [v4("10.9.0.1")] }), change("add", "vm", jump), change("add", "pm", pm)]);
    h.apply([change("delete", "s4", { key: [v4("10.0.0.1")] }), change("delete", "iv", range), change("delete", "vm", { key: jump.key }), change("delete", "pm", { key: pm.key })]);
    expect(nftElements("set", "s4")).toEqual(["10.0.0.2"]);
    expect(nftElements("set", "iv")).toEqual(["10.9.0.1-10.9.0.1"]);
    expect(nftElements("map", "vm")).toEqual([]);
    expect(nftElements("map", "pm")).toEqual([]);
    h.apply([change("add", "iv", range)]);
    expect(nftElements("set", "iv")).toEqual(["10.5.0.0-10.5.0.255", "10.9.0.1-10.9.0.1"]);
  });

  it("applies nothing when one change of the batch is refused, and names that element", () => {
    h.apply([change("add", "s4", { key: [v4("10.0.0.2")] })]);
    let err: unknown;
    try {
      h.apply([
        change("add", "s4", { key: [v4("10.0.0.1")] }),
        change("add", "pm", pmElement("tcp", "10.0.0.1", 8080, "172.17.0.2", 80)),
        change("add", "vm", { key: [ifname("veth0")], data: { verdict: "accept" } }),
        change("add", "s4", { key: [v4("10.0.0.2")] }),
        change("add", "iv", { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] }),
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NftElementError);
    expect(err).toMatchObject({ code: "EEXIST", set: "s4", element: { key: [v4("10.0.0.2")] } });
    expect(String(err)).toContain(`Cannot add element 10.0.0.2 to set inet ${table} s4: EEXIST`);
    expect(nftElements("set", "s4")).toEqual(["10.0.0.2"]);
    expect(nftElements("map", "pm")).toEqual([]);
    expect(nftElements("map", "vm")).toEqual([]);
    expect(nftElements("set", "iv")).toEqual([]);
  });

  it("refuses to delete an absent element (nothing else applied); ignoreMissing makes it fine", () => {
    h.apply([change("add", "s4", { key: [v4("10.0.0.1")] }, { key: [v4("10.0.0.2")] })]);
    const absent = change("delete", "s4", { key: [v4("10.0.0.1")] }, { key: [v4("10.0.0.9")] });
    expect(() => h.apply([absent])).toThrow(new RegExp(`Cannot delete element 10\\.0\\.0\\.9 from set inet ${table} s4: ENOENT`));
    expect(nftElements("set", "s4")).toEqual(["10.0.0.1", "10.0.0.2"]);
    h.apply([absent, change("delete", "iv", { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] }), change("delete", "vm", { key: [ifname("nope")] })], { ignoreMissing: true });
    expect(nftElements("set", "s4")).toEqual(["10.0.0.2"]);
  });

  it("ignoreExisting accepts an element already there with the same data, not with other data", () => {
    const pm = pmElement("tcp", "10.0.0.1", 8080, "172.17.0.2", 80);
    h.apply([change("add", "pm", pm), change("add", "iv", { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] })]);
    expect(() => h.apply([change("add", "pm", pm)])).toThrow(/EEXIST/);
    h.apply([change("add", "pm", pm), change("add", "iv", { key: [v4("10.5.0.0")], keyEnd: [v4("10.5.0.255")] })], { ignoreExisting: true });
    expect(() => h.apply([change("add", "pm", pmElement("tcp", "10.0.0.1", 8080, "172.17.0.9", 80))], { ignoreExisting: true })).toThrow(/EEXIST/);
    expect(nftElements("map", "pm")).toEqual(["tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80"]);
  });

  it("writes open intervals and concatenated intervals as nft does", () => {
    h.apply([
      change("add", "iv", { key: [v4("255.255.255.0")], keyEnd: [v4("255.255.255.255")] }, { key: [v4("0.0.0.0")], keyEnd: [v4("0.255.255.255")] }),
      change("add", "civ", { key: [v4("10.0.0.0"), port(1000)], keyEnd: [v4("10.0.0.255"), port(2000)] }, { key: [v4("10.1.0.1"), port(53)] }),
    ]);
    expect(ns.run("nft", ["list", "set", "inet", table, "iv"])).toMatch(/elements = \{ 0\.0\.0\.0\/8, 255\.255\.255\.0\/24 \}/);
    expect(nftElements("set", "civ")).toEqual(["10.0.0.0 . 1000-10.0.0.255 . 2000", "10.1.0.1 . 53-10.1.0.1 . 53"]);
    h.apply([change("delete", "iv", { key: [v4("255.255.255.0")], keyEnd: [v4("255.255.255.255")] }), change("delete", "civ", { key: [v4("10.1.0.1"), port(53)] })]);
    expect(nftElements("set", "iv")).toEqual(["0.0.0.0-0.255.255.255"]);
    expect(nftElements("set", "civ")).toEqual(["10.0.0.0 . 1000-10.0.0.255 . 2000"]);
  });

  it("listElements returns what nft shows, for elements nft added", () => {
    ns.run(
      "nft",
      ["-f", "-"],
      `add element inet ${table} s4 { 10.0.0.1, 192.168.7.7 }
       add element inet ${table} pm { tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80, udp . 10.0.0.2 . 53 : 172.17.0.3 . 5353 }
       add element inet ${table} iv { 10.5.0.0/24, 10.6.0.1, 10.7.0.3-10.7.0.9, 255.0.0.0/8 }
       add element inet ${table} civ { 10.0.0.0/24 . 1000-2000, 10.1.0.1 . 53 }
       add element inet ${table} vm { "veth0" : jump c1, "br0" : accept, "eth9" : return }
       add element inet ${table} ports { 22, 8080 }\n`,
    );
    for (const [kind, name] of [["set", "s4"], ["map", "pm"], ["set", "iv"], ["set", "civ"], ["map", "vm"], ["set", "ports"]] as const) {
      expect(text(h.listElements("inet", table, name)), name).toEqual(nftElements(kind, name));
    }
    expect(h.listElements("inet", table, "s4")).toHaveLength(2);
  });

  it("names a set that does not exist", () => {
    expect(() => h.apply([change("add", "nope", { key: [v4("10.0.0.1")] })])).toThrow(new RegExp(`set inet ${table} nope: ENOENT`));
    expect(() => h.listElements("inet", table, "nope")).toThrow(/ENOENT/);
  });
});

describe("a DNAT map filled by NftHandle", () => {
  let server: TestNetns;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    server = TestNetns.create("s");
    const hostEnd = uniqueName("v");
    const serverEnd = uniqueName("v");
    ns.run("ip", ["link", "add", hostEnd, "type", "veth", "peer", "name", serverEnd, "netns", server.name]);
    ns.run("ip", ["addr", "add", "10.231.0.1/24", "dev", hostEnd]);
    ns.run("ip", ["link", "set", hostEnd, "up"]);
    server.run("ip", ["addr", "add", "10.231.0.2/24", "dev", serverEnd]);
    server.run("ip", ["link", "set", serverEnd, "up"]);
    ns.run("nft", ["-f", "-"], `add chain inet ${table} out { type nat hook output priority -100; policy accept; }\nadd rule inet ${table} out dnat ip to meta l4proto . ip daddr . th dport map @pm\n`);
  });

  afterEach(() => {
    try {
      child?.kill("SIGKILL");
    } finally {
      server.destroy();
    }
  });

  async function startServer(): Promise<void> {
    const script = `require("node:net").createServer((s) => s.end("hello from the server namespace")).listen(80, "10.231.0.2", () => console.log("ready"));`;
    child = spawn("nsenter", [`--net=${server.path}`, "--", process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const proc = child;
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) resolve();
      });
      proc.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
    });
  }

  /** Connect from the host namespace to 10.231.0.1:8080; what came back, or the error code. */
  function connect(): string {
    const script = `const s = require("node:net").connect(8080, "10.231.0.1"); let d = ""; s.on("data", (c) => (d += c)); s.on("end", () => { console.log(d); process.exit(0); }); s.on("error", (e) => { console.log(e.code); process.exit(0); }); setTimeout(() => { console.log("TIMEOUT"); process.exit(0); }, 3000);`;
    return ns.run(process.execPath, ["-e", script]).trim();
  }

  it("sends a TCP connection to the mapped port on to the server in another namespace", async () => {
    await startServer();
    expect(connect()).toBe("ECONNREFUSED");
    const element = pmElement("tcp", "10.231.0.1", 8080, "10.231.0.2", 80);
    h.apply([change("add", "pm", element)]);
    expect(connect()).toBe("hello from the server namespace");
    h.apply([change("delete", "pm", { key: element.key })]);
    expect(connect()).toBe("ECONNREFUSED");
  });
});

/**
 * A NAT fixture: a simulated host with a bridge network (BridgeEnv) plus an "outside" namespace
 * that plays the internet, joined to the host by a veth (host 10.254.0.1, outside 10.254.0.2;
 * the outside has no route to the containers). Servers and clients are small node scripts run
 * inside namespaces; traffic only ever goes between this fixture's namespaces.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { BridgeEnv } from "./bridge-env.ts";
import { TestNetns } from "./netns.ts";
import { fetchFrom, udpFrom } from "./traffic.ts";

export const HOST_WAN = "10.254.0.1";
export const OUTSIDE = "10.254.0.2";

type Ns = TestNetns;

export class NatEnv extends BridgeEnv {
  readonly outside: TestNetns;
  readonly #children: ChildProcess[] = [];

  constructor(containers: number) {
    super(containers);
    try {
      this.outside = TestNetns.create("x");
      this.host.run("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", this.outside.path]);
      this.host.run("ip", ["addr", "add", `${HOST_WAN}/24`, "dev", "up0"]);
      this.host.run("ip", ["link", "set", "up0", "up"]);
      this.host.run("ip", ["link", "set", "lo", "up"]);
      this.outside.run("ip", ["addr", "add", `${OUTSIDE}/24`, "dev", "wan0"]);
      this.outside.run("ip", ["link", "set", "wan0", "up"]);
      this.outside.run("ip", ["link", "set", "lo", "up"]);
    } catch (err) {
      super.destroy();
      throw err;
    }
  }

  /** A TCP (HTTP) or UDP server in `ns` answering "<name> <client address>". */
  serve(ns: Ns, port: number, name: string, protocol: "tcp" | "udp" = "tcp", address = "0.0.0.0"): void {
    const script =
      protocol === "tcp"
        ? `require("node:http").createServer((q, r) => r.end(${JSON.stringify(name)} + " " + q.socket.remoteAddress)).listen(${port}, ${JSON.stringify(address)})`
        : `const s = require("node:dgram").createSocket("udp4"); s.on("message", (m, r) => s.send(${JSON.stringify(name)} + " " + r.address, r.port, r.address)); s.bind(${port}, ${JSON.stringify(address)})`;
    const child = spawn("nsenter", [`--net=${ns.path}`, "--", process.execPath, "-e", script], { stdio: "ignore" });
    this.#children.push(child);
    if (protocol === "tcp") ns.waitForPort(address === "0.0.0.0" ? "127.0.0.1" : address, port);
  }

  /** GET http://host:port from inside `ns`: the answer, or "FAIL" when nothing answers within 1.5 s. */
  fetch(ns: Ns, host: string, port: number): string {
    return fetchFrom(ns, `http://${host.includes(":") ? `[${host}]` : host}:${port}/`);
  }

  /** One UDP request from inside `ns`: the answer, or "FAIL". */
  udp(ns: Ns, host: string, port: number): string {
    return udpFrom(ns, host, port);
  }

  /** berth's rules: every rule line of table inet berth in the simulated host (chains and sets excluded). */
  ruleCount(): number {
    let text: string;
    try {
      text = this.host.run("nft", ["-a", "list", "table", "inet", "berth"]);
    } catch {
      return 0;
    }
    return text.split("\n").filter((l) => /# handle \d+$/.test(l) && !/^\s*(chain|set|map|table)\b/.test(l.trim())).length;
  }

  /** The elements of one of berth's sets or maps in the simulated host. */
  elements(set: string): number {
    const out = JSON.parse(this.host.run("nft", ["-j", "list", set.startsWith("pm") && !set.startsWith("pm_") ? "map" : set.startsWith("fw_from") || set.startsWith("fw_to") ? "map" : "set", "inet", "berth", set])) as { nftables: { set?: { elem?: unknown[] }; map?: { elem?: unknown[] } }[] };
    const obj = out.nftables.find((o) => o.set !== undefined || o.map !== undefined);
    return (obj?.set ?? obj?.map)?.elem?.length ?? 0;
  }

  override destroy(): void {
    for (const c of this.#children) c.kill("SIGKILL");
    this.outside?.destroy();
    super.destroy();
  }
}

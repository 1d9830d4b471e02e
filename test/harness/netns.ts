/**
 * Namespaces for tests, made with iproute2 (an independent tool, not the code under test).
 * A TestNetns is a named namespace with `lo` up; destroy() removes it and everything in it.
 */
import { execFileSync } from "node:child_process";
import { uniqueName } from "./names.ts";

export const NETNS_DIR = "/run/netns";

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

export class TestNetns {
  readonly name: string;
  readonly path: string;
  #destroyed = false;

  private constructor(name: string) {
    this.name = name;
    this.path = `${NETNS_DIR}/${name}`;
  }

  /** A fresh named namespace with loopback up. */
  static create(prefix = "n"): TestNetns {
    const ns = new TestNetns(uniqueName(prefix));
    sh("ip", ["netns", "add", ns.name]);
    try {
      ns.run("ip", ["link", "set", "lo", "up"]);
    } catch (err) {
      ns.destroy();
      throw err;
    }
    return ns;
  }

  /** Run a command inside (nsenter keeps the mount namespace, so /sys and cgroups stay visible). */
  run(cmd: string, args: string[], input?: string): string {
    return sh("nsenter", [`--net=${this.path}`, "--", cmd, ...args], input);
  }

  /** `ip -j ARGS` inside, parsed. */
  ipJson(args: string[]): unknown {
    const out = this.run("ip", ["-j", ...args]).trim();
    return out === "" ? [] : JSON.parse(out);
  }

  /** Wait (up to 5 s) until a TCP server accepts connections at host:port, as seen from inside. */
  waitForPort(host: string, port: number): void {
    const probe = `const net=require("node:net");let n=0;(function t(){const s=net.connect(${port},${JSON.stringify(host)},()=>{s.end();process.exit(0)});s.on("error",()=>{if(++n>50)process.exit(1);setTimeout(t,100)})})()`;
    this.run(process.execPath, ["-e", probe]);
  }

  /** Link names inside, from `ip -j link show`. */
  linkNames(): string[] {
    return (this.ipJson(["link", "show"]) as { ifname: string }[]).map((l) => l.ifname);
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    try {
      sh("ip", ["netns", "del", this.name]);
    } catch {
      // Already gone.
    }
  }

  [Symbol.dispose](): void {
    this.destroy();
  }
}

/**
 * `make demo`: the story Docker users know, told with berth — an image built from Debian's
 * busybox-static, a web container with a published port, a client linked to it fetching the
 * page by the link's name, the page fetched from "the internet" through the published port, then
 * everything removed. All of it happens inside a simulated host namespace (berth runs there with
 * `nsenter --net`) and an "outside" namespace; the machine's own network is never touched.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { createNamedNetns, deleteNamedNetns } from "../lib/netns/index.ts";
import { busyboxRootfsTar } from "./busybox-rootfs.ts";

const DIST = resolve(import.meta.dirname, "../dist");
const suffix = process.pid.toString(36);
const HOST = `berth-demo-host-${suffix}`;
const OUT = `berth-demo-out-${suffix}`;
const root = mkdtempSync(`${tmpdir()}/berth-demo-`);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (text: string) => console.log(`\n${bold("==>")} ${text}`);
const note = (text: string) => console.log(`  ${text}`);

const indent = (text: string) => (text.trim() === "" ? "" : `${text.replace(/\n$/, "").replace(/^/gm, "  ")}\n`);

function sh(cmd: string, args: string[], quiet = false): string {
  const out = spawnSync(cmd, args, { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${out.stderr}`);
  if (!quiet) process.stdout.write(indent(out.stdout));
  return out.stdout;
}

/** `berth ARGS` inside the simulated host, shown as the user would type it. */
function berth(...args: string[]): string {
  console.log(`$ berth ${args.join(" ")}`);
  const out = spawnSync("nsenter", [`--net=/run/netns/${HOST}`, "--", `${DIST}/berth`, "--root", root, ...args], { encoding: "utf8", env: { ...process.env, BERTH_CNI_PATH: `${DIST}/cni` } });
  if (out.status !== 0) throw new Error(`berth ${args.join(" ")} exited ${out.status}: ${out.stderr}`);
  process.stdout.write(indent(out.stdout));
  return out.stdout;
}

try {
  say(`A simulated host ("${HOST}") with an uplink to "${OUT}", which plays the internet`);
  createNamedNetns(HOST);
  createNamedNetns(OUT);
  sh("ip", ["-n", HOST, "link", "set", "lo", "up"], true);
  sh("ip", ["-n", HOST, "link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", OUT], true);
  sh("ip", ["-n", HOST, "addr", "add", "10.254.0.1/24", "dev", "up0"], true);
  sh("ip", ["-n", HOST, "link", "set", "up0", "up"], true);
  sh("ip", ["-n", OUT, "addr", "add", "10.254.0.2/24", "dev", "wan0"], true);
  sh("ip", ["-n", OUT, "link", "set", "wan0", "up"], true);
  note("The host's address is 10.254.0.1; the outside (10.254.0.2) has no route to any container.");

  say("An image from a root filesystem: busybox-static with a web page (docker import)");
  busyboxRootfsTar(`${root}/rootfs.tar`);
  berth("import", `${root}/rootfs.tar`, "busybox:latest", "--change", 'CMD ["sh"]', "--change", "EXPOSE 80");
  berth("images");

  say("A web server in the background, its port 80 published on the host's 8080 (docker run -d -p)");
  berth("run", "-d", "--name", "web", "-p", "8080:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/www");
  berth("ps");
  berth("port", "web");
  note("berth made a network namespace, ran the default network's conflist through its own plugins");
  note("(bridge on berth0 with an automatic private subnet, portmap, firewall, dnsfiles), then runc.");

  say("A client linked to it: /etc/hosts knows \"web\", and docker's link variables are set (--link)");
  berth("run", "--rm", "--link", "web:web", "busybox", "sh", "-c", "grep web /etc/hosts; env | grep ^WEB_PORT_80_TCP_ADDR; wget -qO- http://web/");

  say("From the internet: the host's address and port 8080 reach the container (DNAT by an nftables map)");
  console.log(`$ ip netns exec ${OUT} busybox wget -qO- http://10.254.0.1:8080/`);
  sh("ip", ["netns", "exec", OUT, "busybox", "wget", "-qO-", "http://10.254.0.1:8080/"]);
  const table = sh("ip", ["netns", "exec", HOST, "nft", "list", "map", "inet", "berth", "pm4_any"], true);
  note(`The published port is one element of a map in berth's table: ${(/elements = \{ ([^}]+) \}/.exec(table)?.[1] ?? "").trim()}`);

  say("Removing everything (docker rm -f, rmi)");
  berth("rm", "-f", "web");
  berth("rmi", "busybox:latest");
  berth("ps", "-a");
} finally {
  say("Cleaning up the simulated host and the outside");
  for (const ns of [OUT, HOST]) {
    try {
      deleteNamedNetns(ns);
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
  const left = readdirSync("/run/netns").filter((n) => n.startsWith("berth-"));
  console.log(left.length === 0 ? "  Nothing left behind. Next: `make test` runs the whole suite." : `  Left behind: ${left.join(" ")}`);
}

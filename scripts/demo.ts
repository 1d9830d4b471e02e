/**
 * `make demo`: berth's plugins wiring a network namespace, explained step by step.
 * Everything happens inside namespaces the demo creates (a simulated host and a container);
 * the machine's own network is never touched, and everything is removed at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createNamedNetns, deleteNamedNetns } from "../lib/netns/index.ts";

const CNI_BIN = resolve(import.meta.dirname, "../dist/cni");
const suffix = process.pid.toString(36);
const HOST = `berth-demo-host-${suffix}`;
const CTR = `berth-demo-ctr-${suffix}`;
const ctrPath = `/run/netns/${CTR}`;
const CTR2 = `berth-demo-ctr2-${suffix}`;
const stateDir = mkdtempSync(`${tmpdir()}/berth-demo-`);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
function say(text: string): void {
  console.log(`\n${bold("==>")} ${text}`);
}
function show(cmd: string, args: string[]): string {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const out = execFileSync(cmd, args, { encoding: "utf8" });
  process.stdout.write(out.replace(/^/gm, "  "));
  return out;
}

function cni(plugin: string, command: string, config?: object, extra: Record<string, string> = {}, expectFailure = false) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", CNI_COMMAND: command, CNI_PATH: CNI_BIN, ...extra };
  const envText = Object.entries(env)
    .filter(([k]) => k.startsWith("CNI_") && k !== "CNI_PATH")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  console.log(`$ ${envText} ip netns exec ${HOST} ${CNI_BIN}/${plugin}${config ? " <<< '" + JSON.stringify(config) + "'" : ""}`);
  const out = spawnSync("nsenter", [`--net=/run/netns/${HOST}`, "--", `${CNI_BIN}/${plugin}`], {
    env,
    input: config ? JSON.stringify(config) : "",
    encoding: "utf8",
  });
  const text = out.stdout.trim();
  if (text) console.log(JSON.stringify(JSON.parse(text), null, 2).replace(/^/gm, "  "));
  console.log(`  (exit ${out.status})`);
  if ((out.status !== 0) !== expectFailure) throw new Error(`${plugin} ${command} failed: ${text} ${out.stderr}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

function linkState(): string {
  const links = JSON.parse(execFileSync("ip", ["-n", CTR, "-j", "link", "show", "lo"], { encoding: "utf8" })) as {
    ifname: string;
    flags: string[];
  }[];
  return links[0]?.flags.includes("UP") ? "UP" : "DOWN";
}

const config = { cniVersion: "1.1.0", name: "demo", type: "loopback" };
const env = { CNI_CONTAINERID: "demo-container", CNI_NETNS: ctrPath, CNI_IFNAME: "lo" };

try {
  say("berth's binary: one file, a symlink per CNI plugin (like busybox)");
  show("ls", ["-l", CNI_BIN]);

  say(`Making two network namespaces: "${HOST}" plays the host, "${CTR}" the container`);
  createNamedNetns(HOST);
  createNamedNetns(CTR);
  show("ip", ["-n", CTR, "link", "show"]);
  console.log(`  A new namespace has only "lo", and it is DOWN: the container cannot even reach itself.`);

  say("A runtime first asks a plugin which CNI versions it speaks (VERSION)");
  cni("loopback", "VERSION", { cniVersion: "1.1.0" });

  say("ADD: the loopback plugin brings lo up in the container and reports it");
  cni("loopback", "ADD", config, env);
  show("ip", ["-n", CTR, "addr", "show", "lo"]);
  console.log(`  lo is now ${linkState()}, with 127.0.0.1 and ::1.`);
  show("ip", ["netns", "exec", CTR, "ping", "-c", "1", "-W", "1", "127.0.0.1"]);

  say("CHECK: the runtime asks whether everything is still as ADD left it (silence means yes)");
  cni("loopback", "CHECK", { ...config, prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "lo", sandbox: ctrPath }] } }, env);

  say("The same ADD, answered in an older spec version (0.4.0 results carry ips[].version)");
  cni("loopback", "ADD", { ...config, cniVersion: "0.4.0" }, env);

  say("Bad input gets a CNI error on stdout with the spec's code, and changes nothing");
  cni("loopback", "BAD", config, env, true);
  cni("loopback", "ADD", { ...config, name: "no spaces allowed" }, env, true);
  cni("loopback", "ADD", config, { ...env, CNI_IFNAME: "a-name-of-16byte" }, true);

  say("DEL: lo goes down again; a second DEL, or one for a namespace that is gone, still succeeds");
  cni("loopback", "DEL", config, env);
  console.log(`  lo is now ${linkState()}.`);
  cni("loopback", "DEL", config, env);
  cni("loopback", "DEL", config, { ...env, CNI_NETNS: "/run/netns/does-not-exist" });

  say('"none" is docker\'s --net=none as a plugin: a namespace of its own with only lo up');
  cni("none", "ADD", { cniVersion: "1.0.0", name: "isolated", type: "none" }, env);
  cni("none", "DEL", { cniVersion: "1.0.0", name: "isolated", type: "none" }, env);

  say("Docker's default network: two containers on a bridge, addresses from an automatic private subnet");
  createNamedNetns(CTR2);
  const bridgeConf = {
    cniVersion: "1.1.0",
    name: "demo-bridge",
    type: "bridge",
    bridge: "berth-demo0",
    isDefaultGateway: true,
    stateDir: `${stateDir}/state`,
    ipam: { type: "host-local", dataDir: `${stateDir}/ipam` },
  };
  console.log("  The config names no subnet: host-local picks the first free one of Docker's pools.");
  const a = cni("bridge", "ADD", bridgeConf, { CNI_CONTAINERID: "web", CNI_NETNS: ctrPath, CNI_IFNAME: "eth0" });
  const b = cni("bridge", "ADD", bridgeConf, { CNI_CONTAINERID: "db", CNI_NETNS: `/run/netns/${CTR2}`, CNI_IFNAME: "eth0" });
  const ipOf = (r: Record<string, unknown> | undefined) => ((r?.ips as { address: string }[] | undefined)?.[0]?.address ?? "").split("/")[0] ?? "";
  show("ip", ["-n", HOST, "-br", "link", "show", "master", "berth-demo0"]);
  console.log("  Two veth ends on the bridge in the (simulated) host; the other ends are eth0 in each container.");
  show("ip", ["netns", "exec", CTR, "ping", "-c", "1", "-W", "2", ipOf(b)]);
  console.log(`  "web" (${ipOf(a)}) reaches "db" (${ipOf(b)}) across the bridge.`);

  say("DEL removes each container's veth pair and frees its address (the bridge stays, as with the reference plugin)");
  cni("bridge", "DEL", bridgeConf, { CNI_CONTAINERID: "web", CNI_NETNS: ctrPath, CNI_IFNAME: "eth0" });
  cni("bridge", "DEL", bridgeConf, { CNI_CONTAINERID: "db", CNI_NETNS: `/run/netns/${CTR2}`, CNI_IFNAME: "eth0" });
  show("ip", ["-n", HOST, "-br", "link", "show", "master", "berth-demo0"]);
} finally {
  say("Cleaning up: the namespaces (and with the simulated host, its bridge) removed");
  deleteNamedNetns(CTR2);
  deleteNamedNetns(CTR);
  deleteNamedNetns(HOST);
  rmSync(stateDir, { recursive: true, force: true });
  show("ip", ["netns", "list"]);
  console.log("  Nothing left behind. Next: `make test` runs the whole suite.");
}

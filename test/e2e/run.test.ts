/**
 * `berth run` end to end, the seeds' examples as Docker users know them: the berth binary in a
 * simulated host, containers from a busybox image under runc, networking through berth's
 * plugins, checked from the host, the "outside" and other containers. Every test also checks
 * that removal leaves nothing (namespaces, mounts, cgroups, container state).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BerthHost, HOST_WAN, OUTSIDE, ping } from "../harness/index.ts";

let b: BerthHost;
beforeAll(() => {
  b = new BerthHost();
  b.importBusybox("busybox:latest", ['CMD ["sh"]', "EXPOSE 80"]);
});
afterAll(() => {
  b?.destroy();
});

const web = (name: string, ...flags: string[]) => b.ok(["run", "-d", "--name", name, ...flags, "busybox", "httpd", "-f", "-p", "80", "-h", "/www"]).trim();

describe("berth run", () => {
  it("runs a command in the foreground with its exit code, output and a network; --rm leaves nothing", () => {
    const out = b.berth(["run", "--rm", "-h", "box1", "--dns", "10.9.9.9", "--dns-search", "example.test", "busybox", "sh", "-c", "hostname; cat /etc/resolv.conf; ip -4 addr show eth0; exit 3"]);
    expect(out.status).toBe(3);
    expect(out.stdout).toMatch(/^box1\n/);
    expect(out.stdout).toMatch(/nameserver 10\.9\.9\.9/);
    expect(out.stdout).toMatch(/search example\.test/);
    expect(out.stdout).toMatch(/inet 172\.17\.0\.\d+\/16/);
    expect(b.leftovers()).toEqual([]);
  });

  it("BERTH_TRACE=1 prints the time of each phase on stderr, in order; stdout stays the container's", () => {
    process.env.BERTH_TRACE = "1";
    let out;
    try {
      out = b.berth(["run", "--rm", "--net=none", "busybox", "echo", "traced"]);
    } finally {
      delete process.env.BERTH_TRACE;
    }
    expect(out.status).toBe(0);
    expect(out.stdout).toBe("traced\n");
    const phases = [...out.stderr.matchAll(/^berth trace +([\d.]+) ms {2}(.+)$/gm)].map((m) => ({ at: Number(m[1]), what: m[2] }));
    const names = phases.map((p) => p.what);
    for (const phase of ["command parsed", "rootfs mounted", "network attached", "runc run", "runc run exited", "torn down"]) expect(names).toContain(phase);
    expect(names.indexOf("rootfs mounted")).toBeLessThan(names.indexOf("runc run exited"));
    expect(phases.map((p) => p.at)).toEqual(phases.map((p) => p.at).sort((x, y) => x - y));
    expect(b.leftovers()).toEqual([]);
  });

  it("-i gives the container berth's stdin; -e, -w and -u set its environment, directory and user", () => {
    expect(b.berth(["run", "--rm", "-i", "busybox", "cat"], "hello through stdin\n").stdout).toBe("hello through stdin\n");
    const out = b.ok(["run", "--rm", "-e", "GREETING=hi", "-w", "/www", "-u", "nobody", "busybox", "sh", "-c", "echo $GREETING; pwd; id -u"]);
    expect(out).toBe("hi\n/www\n65534\n");
  });

  it("-d -P publishes the exposed port on a free host port that `port` shows, reachable from the outside", () => {
    web("pweb", "-P");
    const port = b.ok(["port", "pweb", "80"]).trim();
    expect(port).toMatch(/^0\.0\.0\.0:\d+$/);
    const hostPort = Number(port.split(":")[1]);
    expect(b.fetch(b.outside, `http://${HOST_WAN}:${hostPort}/`)).toBe("hello from berth\n");
    expect(b.ok(["ps"])).toMatch(/pweb/);
    b.ok(["rm", "-f", "pweb"]);
    expect(b.fetch(b.outside, `http://${HOST_WAN}:${hostPort}/`)).toBe("FAIL");
    expect(b.leftovers()).toEqual([]);
  });

  it("-p 127.0.0.1::80 is reachable from the host only", () => {
    web("lweb", "-p", "127.0.0.1::80");
    const port = Number(b.ok(["port", "lweb", "80"]).trim().split(":")[1]);
    expect(b.fetch(b.host, `http://127.0.0.1:${port}/`)).toBe("hello from berth\n");
    expect(b.fetch(b.outside, `http://${HOST_WAN}:${port}/`)).toBe("FAIL");
    b.ok(["rm", "-f", "lweb"]);
  });

  it("-p 5000:5000/udp publishes a UDP port", async () => {
    // busybox-static has no UDP server: one runs in the container's network namespace from outside it.
    b.ok(["run", "-d", "--name", "udp", "-p", "5000:5000/udp", "busybox", "sleep", "60"]);
    const pid = (JSON.parse(b.ok(["inspect", "udp"])) as { State: { Pid: number } }[])[0]!.State.Pid;
    const server = spawn("nsenter", [`--net=/proc/${pid}/ns/net`, "--", process.execPath, "-e", 'const s = require("node:dgram").createSocket("udp4"); s.on("message", (m, r) => s.send("pong", r.port, r.address)); s.bind(5000)'], { stdio: "ignore" });
    try {
      expect(b.udp(b.outside, HOST_WAN, 5000)).toBe("pong");
    } finally {
      server.kill("SIGKILL");
      await new Promise((r) => server.once("exit", r));
    }
    b.ok(["rm", "-f", "udp"]);
  });

  it("--link gives the hosts entry and docker's variables; ping and fetch by the link name work", () => {
    web("db");
    const out = b.ok(["run", "--rm", "--name", "client", "--link", "db:db", "busybox", "sh", "-c", "env | grep ^DB_ | sort; ping -c1 -W2 db >/dev/null && echo PING-OK; wget -qO- http://db/"]);
    expect(out).toMatch(/DB_NAME=\/client\/db/);
    expect(out).toMatch(/DB_PORT_80_TCP_ADDR=172\.17\.0\.\d+/);
    expect(out).toMatch(/DB_PORT=tcp:\/\/172\.17\.0\.\d+:80/);
    expect(out).toMatch(/PING-OK/);
    expect(out).toMatch(/hello from berth/);
    b.ok(["rm", "-f", "db"]);
  });

  it("--net=none has only lo; --net=host sees the host's interfaces; --net=container:web reaches web on 127.0.0.1", () => {
    expect(b.ok(["run", "--rm", "--net=none", "busybox", "ls", "/sys/class/net"]).split(/\s+/).filter(Boolean)).toEqual(["lo"]);
    expect(b.ok(["run", "--rm", "--net=host", "busybox", "ls", "/sys/class/net"])).toMatch(/up0/);
    web("shared");
    expect(b.ok(["run", "--rm", "--net=container:shared", "busybox", "wget", "-qO-", "http://127.0.0.1/"])).toBe("hello from berth\n");
    b.ok(["rm", "-f", "shared"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("containers reach the outside, which sees the host's address (masquerade)", () => {
    const out = b.berth(["run", "--rm", "busybox", "ping", "-c1", "-W2", OUTSIDE]);
    expect(out.stdout).toMatch(/1 packets received/);
    expect(ping(b.outside, "172.17.0.2", 1)).toBe(false); // no route back from the outside
  });

  it("--memory 32m stops a process that allocates 64 MB (OOMKilled in inspect); --pids-limit stops a fork bomb", () => {
    const oom = b.berth(["run", "--name", "hog", "--memory", "32m", "busybox", "sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo survived"]);
    expect(oom.stdout).not.toMatch(/survived/);
    const state = (JSON.parse(b.ok(["inspect", "hog"])) as { State: { OOMKilled: boolean; ExitCode: number }; HostConfig: { Memory: number } }[])[0]!;
    expect(state.State.OOMKilled).toBe(true);
    expect(state.HostConfig.Memory).toBe(32 << 20);
    b.ok(["rm", "hog"]);
    const bomb = b.berth(["run", "--rm", "--pids-limit", "20", "busybox", "sh", "-c", "for i in $(seq 40); do sleep 3 & done 2>&1; wait; echo done"]);
    expect(bomb.stdout + bomb.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(b.leftovers()).toEqual([]);
  });

  it("exec runs another process in a running container; stats shows usage against the limits", () => {
    web("ex", "--memory", "64m", "--pids-limit", "30");
    expect(b.ok(["exec", "ex", "cat", "/www/index.html"])).toBe("hello from berth\n");
    expect(b.berth(["exec", "ex", "sh", "-c", "exit 7"]).status).toBe(7);
    const stats = JSON.parse(b.ok(["stats", "--format", "json", "ex"]).trim()) as { MemLimit: number; PIDsLimit: number; PIDs: number; MemUsage: number };
    expect(stats.MemLimit).toBe(64 << 20);
    expect(stats.PIDsLimit).toBe(30);
    expect(stats.PIDs).toBeGreaterThanOrEqual(1);
    expect(stats.MemUsage).toBeGreaterThan(0);
    b.ok(["stop", "-t", "1", "ex"]);
    expect(b.ok(["ps", "-a", "--format", "json"])).toMatch(/"Names":"ex","State":"exited"/);
    expect(b.berth(["exec", "ex", "true"]).stderr).toMatch(/container ex is not running/);
    b.ok(["rm", "ex"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("a network with icc=false blocks containers from each other, except a linked pair on the exposed port", () => {
    b.ok(["network", "create", "-o", "icc=false", "quiet"]);
    web("srv", "--net", "quiet");
    const ip = (JSON.parse(b.ok(["inspect", "srv"])) as { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }[])[0]!.NetworkSettings.Networks.quiet!.IPAddress;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const probe = (...flags: string[]) => b.berth(["run", "--rm", "--net", "quiet", ...flags, "busybox", "sh", "-c", `ping -c1 -W1 ${ip} >/dev/null && echo PING; timeout 3 wget -qO- http://${ip}/ || echo NOWEB`]).stdout;
    expect(probe()).toBe("NOWEB\n");
    expect(probe("--link", "srv:srv")).toBe("hello from berth\n"); // the exposed port, and nothing else (no ping)
    expect(b.berth(["network", "rm", "quiet"]).stderr).toMatch(/network quiet is in use by container srv/);
    b.ok(["rm", "-f", "srv"]);
    b.ok(["network", "rm", "quiet"]);
    expect(b.host.run("nft", ["list", "set", "inet", "berth", "fw_links4"])).not.toMatch(/elements/);
    expect(b.leftovers()).toEqual([]);
  });

  it("--ip and --mac-address reach the plugins (ips and mac capabilities)", () => {
    const out = b.ok(["run", "--rm", "--ip", "172.17.0.77", "--mac-address", "02:42:ac:11:00:77", "busybox", "ip", "addr", "show", "eth0"]);
    expect(out).toMatch(/inet 172\.17\.0\.77\/16/);
    expect(out).toMatch(/link\/ether 02:42:ac:11:00:77/);
  });

  it("network connect adds eth1 on another network (the containers there reach it); disconnect removes it", () => {
    b.ok(["network", "create", "--subnet", "10.77.0.0/24", "second"]);
    web("multi");
    b.ok(["network", "connect", "second", "multi"]);
    const ifaces = b.ok(["exec", "multi", "ip", "-4", "addr"]);
    expect(ifaces).toMatch(/eth1[\s\S]*inet 10\.77\.0\.\d+\/24/);
    const ip = /inet (10\.77\.0\.\d+)\/24/.exec(ifaces)![1]!;
    expect(b.ok(["run", "--rm", "--net", "second", "busybox", "wget", "-qO-", `http://${ip}/`])).toBe("hello from berth\n");
    expect(b.berth(["network", "connect", "second", "multi"]).stderr).toMatch(/already connected to network second/);
    b.ok(["network", "disconnect", "second", "multi"]);
    expect(b.ok(["exec", "multi", "ls", "/sys/class/net"])).not.toMatch(/eth1/);
    b.ok(["network", "connect", "second", "multi"]);
    b.ok(["rm", "-f", "multi"]); // rm tears down every network the container was on
    b.ok(["network", "rm", "second"]);
    expect(b.leftovers()).toEqual([]);
  });

  it("--restart: on-failure:2 runs a failing container three times; always comes back until stop; --rm refuses it", async () => {
    interface Restarted { RestartCount: number; State: { Status: string; ExitCode: number }; HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number } } }
    const inspect = (name: string) => (JSON.parse(b.ok(["inspect", name])) as Restarted[])[0] as Restarted;
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    b.ok(["run", "-d", "--name", "flaky", "--net=none", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3"]);
    await until(() => inspect("flaky").State.Status === "exited");
    const flaky = inspect("flaky");
    expect(flaky.State).toMatchObject({ Status: "exited", ExitCode: 3 });
    expect(flaky.RestartCount).toBe(2);
    expect(flaky.HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 2 });
    expect(b.ok(["logs", "flaky"])).toBe("run\nrun\nrun\n");
    b.ok(["rm", "flaky"]);

    b.ok(["run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2"]);
    await until(() => inspect("always").RestartCount >= 2);
    expect(inspect("always").RestartCount).toBeGreaterThanOrEqual(2);
    b.ok(["stop", "-t", "1", "always"]);
    const stopped = inspect("always");
    expect(stopped.State.Status).toBe("exited");
    await new Promise((r) => setTimeout(r, 1000));
    expect(inspect("always")).toMatchObject({ RestartCount: stopped.RestartCount, State: { Status: "exited" } });
    b.ok(["rm", "always"]);

    expect(b.berth(["run", "--rm", "--restart", "always", "busybox", "true"]).stderr).toMatch(/^berth run: --restart always and --rm conflict/);
    expect(b.berth(["run", "--restart", "sometimes", "busybox", "true"]).stderr).toMatch(/^berth run: invalid restart policy "sometimes": use no, always/);
    expect(b.leftovers()).toEqual([]);
  });

  it("answers mistakes in one line naming the object and the fix", () => {
    const noImage = b.berth(["run", "--rm", "nosuchimage"]);
    expect(noImage.status).not.toBe(0);
    expect(noImage.stderr).toMatch(/no such image "nosuchimage"/);
    const noNet = b.berth(["run", "--rm", "--net", "nosuchnet", "busybox", "true"]);
    expect(noNet.stderr).toMatch(/network nosuchnet not found: create it/);
    expect(b.berth(["rm", "nosuchcontainer"]).stderr).toMatch(/no such container "nosuchcontainer"/);
    web("dup");
    expect(b.berth(["run", "-d", "--name", "dup", "busybox", "true"]).stderr).toMatch(/name "\/dup" is already in use/);
    expect(b.berth(["rm", "dup"]).stderr).toMatch(/cannot remove running container dup/);
    b.ok(["rm", "-f", "dup"]);
    expect(b.leftovers()).toEqual([]);
  });
});

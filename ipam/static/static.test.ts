import { describe, expect, it } from "vitest";
import { IpamCode, IpamConfigError, IpamError } from "../shared/errors.ts";
import { staticAdd, staticCheck, staticDel } from "./static.ts";

const net = (ipam: object, extra: object = {}): object => ({ cniVersion: "1.0.0", name: "stat", type: "macvlan", ipam: { type: "static", ...ipam }, ...extra });
const req = (config: object, args?: Map<string, string>) => ({ config, containerId: "c1", ifname: "eth0", args });

describe("staticAdd", () => {
  it("returns the configured addresses, routes and dns", async () => {
    const config = net({
      addresses: [{ address: "10.10.0.1/24", gateway: "10.10.0.254" }, { address: "3ffe:ffff:0:01ff::1/64", gateway: "3ffe:ffff:0::1" }],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.10.5.1" }, { dst: "3ffe:ffff:0:01ff::1/64" }],
      dns: { nameservers: ["8.8.8.8"], domain: "example.com", search: ["example.com"] },
    });
    expect(await staticAdd(req(config))).toEqual({
      cniVersion: "1.0.0",
      ips: [
        { address: "10.10.0.1/24", gateway: "10.10.0.254" },
        { address: "3ffe:ffff:0:1ff::1/64", gateway: "3ffe:ffff::1" },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.10.5.1" }, { dst: "3ffe:ffff:0:1ff::1/64" }],
      dns: { nameservers: ["8.8.8.8"], domain: "example.com", search: ["example.com"] },
    });
  });

  it("appends CNI_ARGS IP and attaches each GATEWAY to the addresses whose subnet holds it", async () => {
    const config = net({ addresses: [{ address: "10.10.0.1/24" }] });
    const r = await staticAdd(req(config, new Map([["IP", "10.10.0.2/24, 3ffe:ffff::5/64"], ["GATEWAY", "10.10.0.254,3ffe:ffff::1"]])));
    expect(r.ips).toEqual([
      { address: "10.10.0.1/24", gateway: "10.10.0.254" },
      { address: "10.10.0.2/24", gateway: "10.10.0.254" },
      { address: "3ffe:ffff::5/64", gateway: "3ffe:ffff::1" },
    ]);
  });

  it("lets args.cni.ips replace the list, and runtimeConfig.ips replace it again", async () => {
    const base = { addresses: [{ address: "10.10.0.1/24", gateway: "10.10.0.254" }] };
    const env = new Map([["IP", "10.10.0.9/24"]]);
    expect((await staticAdd(req(net(base, { args: { cni: { ips: ["10.20.0.1/24"] } } }), env))).ips).toEqual([{ address: "10.20.0.1/24" }]);
    const both = net(base, { args: { cni: { ips: ["10.20.0.1/24"] } }, RuntimeConfig: { IPs: ["10.30.0.1/24", "fd00::1/64"] } });
    expect((await staticAdd(req(both, env))).ips).toEqual([{ address: "10.30.0.1/24" }, { address: "fd00::1/64" }]);
  });

  it("validates like the reference", async () => {
    const fails = (config: object, args?: Map<string, string>) => expect(staticAdd(req(config, args))).rejects.toThrow(IpamConfigError);
    await fails(net({ addresses: [{ address: "10.10.0.1" }] }));
    await fails(net({ addresses: [{ gateway: "10.10.0.1" }] }));
    await fails(net({ addresses: [] }), new Map([["IP", "10.10.0.1"]]));
    await fails(net({ addresses: [] }), new Map([["GATEWAY", "nope"]]));
    await fails(net({}, { runtimeConfig: { ips: ["10.1.0.1"] } }));
    await fails({ name: "stat" });
    await fails(net({ addresses: [{ address: "10.0.0.1/24" }, { address: "10.0.1.1/24" }] }, { cniVersion: "0.2.0" }));
    await expect(staticAdd(req(net({ addresses: [{ address: "10.0.0.1/24" }, { address: "fd00::1/64" }] }, { cniVersion: "0.2.0" })))).resolves.toBeDefined();
    await expect(staticAdd(req(net({ addresses: [{ address: "10.10.0.1" }] })))).rejects.toThrow(
      'Invalid ipam.addresses[0].address in network "stat": "10.10.0.1" is not in CIDR notation',
    );
  });
});

describe("staticDel and staticCheck", () => {
  it("DEL does nothing, even with a broken configuration", async () => {
    await expect(staticDel(req({ nonsense: true }))).resolves.toBeUndefined();
  });

  it("CHECK compares addresses and gateways with prevResult", async () => {
    const ipam = { addresses: [{ address: "10.10.0.1/24", gateway: "10.10.0.254" }, { address: "fd00::1/64" }] };
    const prev = (ips: object[]) => net(ipam, { prevResult: { cniVersion: "1.0.0", ips } });
    await staticCheck(req(prev([{ address: "10.10.0.1/24", gateway: "10.10.0.254" }, { address: "fd00::1/64", gateway: "fd00::ff" }])));
    const wrongGw = staticCheck(req(prev([{ address: "10.10.0.1/24", gateway: "10.10.0.1" }, { address: "fd00::1/64" }])));
    await expect(wrongGw).rejects.toThrow('Address 10.10.0.1/24 of interface "eth0" of network "stat" has gateway 10.10.0.1 in prevResult, expected 10.10.0.254');
    const missing = staticCheck(req(prev([{ address: "10.10.0.1/24", gateway: "10.10.0.254" }])));
    await expect(missing).rejects.toSatisfy((e: unknown) => e instanceof IpamError && e.code === IpamCode.checkFailed);
    await expect(staticCheck(req(net(ipam)))).rejects.toThrow(/Missing prevResult/);
  });
});

/** static: the reference static IPAM plugin (addresses, routes and DNS given in the config). */
import type { NetConf, Plugin, PluginContext, Result } from "../lib/cni/index.ts";
import { staticAdd, staticCheck, staticDel } from "../ipam/static/index.ts";
import type { IpamRequest } from "../ipam/shared/types.ts";

function request(ctx: PluginContext<NetConf>): IpamRequest {
  return { config: ctx.raw, containerId: ctx.env.containerId ?? "", ifname: ctx.env.ifname ?? "", args: ctx.env.args };
}

export const plugin: Plugin<NetConf> = {
  name: "static",
  parseConfig: (raw) => raw,
  async add(ctx) {
    return (await staticAdd(request(ctx))) as Result;
  },
  async del(ctx) {
    await staticDel(request(ctx));
  },
  async check(ctx) {
    await staticCheck(request(ctx));
  },
  gc() {
    // Nothing is stored: static addresses come from the config on every call.
  },
  status() {},
};

/**
 * loopback: bring `lo` up inside the container's network namespace.
 *
 * ADD sets lo up and reports it with its addresses; as a chained plugin (a prevResult is
 * present) it passes that result through unchanged, like the reference plugin. DEL sets lo down
 * again and succeeds when the namespace is already gone. CHECK fails when lo is not up.
 */
import { cniError, type Plugin } from "../lib/cni/index.ts";
import { openContainerHandle, loopbackResult, LOOPBACK, CHECK_FAILED } from "./netns-handle.ts";

interface LoopbackConfig {
  name: string;
}

export const plugin: Plugin<LoopbackConfig> = {
  name: "loopback",

  parseConfig: (raw) => ({ name: raw.name }),

  add(ctx) {
    using handle = openContainerHandle(ctx.env.netns);
    const lo = handle.linkGet(LOOPBACK);
    handle.linkSetUp(lo);
    ctx.log.debug({ netns: ctx.env.netns }, "lo is up");
    if (ctx.prevResult !== undefined) return ctx.prevResult;
    return loopbackResult(handle, ctx.env.netns as string);
  },

  del(ctx) {
    using handle = openContainerHandle(ctx.env.netns, { missingOk: true });
    if (handle === undefined) return;
    const lo = handle.linkFind(LOOPBACK);
    if (lo !== undefined) handle.linkSetDown(lo);
  },

  check(ctx) {
    using handle = openContainerHandle(ctx.env.netns);
    const lo = handle.linkGet(LOOPBACK);
    if (!lo.up) throw cniError(CHECK_FAILED, `Interface "lo" in ${ctx.env.netns} is down`);
  },

  gc() {
    // Nothing outside the container namespace to collect.
  },

  status() {
    // Always able to serve ADD.
  },
};


/**
 * loopback: bring `lo` up inside the container's network namespace.
 *
 * ADD sets lo up and reports it with its addresses; as a chained plugin (a prevResult is
 * present) it passes that result through unchanged, like the reference plugin. DEL sets lo down
 * again and succeeds when the namespace is already gone. CHECK fails when lo is not up.
 */
import type { Plugin } from "../lib/cni/index.ts";
import { checkLoopbackUp, loopbackDown, loopbackResult, openContainerHandle, LOOPBACK } from "./netns-handle.ts";

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
    loopbackDown(ctx.env.netns);
  },

  check(ctx) {
    checkLoopbackUp(ctx.env.netns);
  },

  gc() {
    // Nothing outside the container namespace to collect.
  },

  status() {
    // Always able to serve ADD.
  },
};


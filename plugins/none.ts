/**
 * none: docker's --net=none as a CNI plugin. The container gets a network namespace of its own
 * holding only `lo`, brought up; the result lists lo and its addresses.
 *
 * It refuses a CNI_NETNS that is the host's own namespace (the plugin's), and one that already
 * holds other interfaces: either would give the container a network, which is what none excludes.
 * DEL sets lo down and succeeds when the namespace is gone.
 */
import { cniError, CniErrorCode, type Plugin } from "../lib/cni/index.ts";
import { Netns, currentNetns } from "../lib/netns/index.ts";
import { checkLoopbackUp, loopbackDown, loopbackResult, openContainerHandle, LOOPBACK } from "./netns-handle.ts";

interface NoneConfig {
  name: string;
}

function isOwnNamespace(path: string): boolean {
  using here = currentNetns();
  using there = Netns.open(path);
  return here.sameAs(there);
}

export const plugin: Plugin<NoneConfig> = {
  name: "none",

  parseConfig: (raw) => ({ name: raw.name }),

  add(ctx) {
    const netns = ctx.env.netns as string;
    using handle = openContainerHandle(netns);
    if (isOwnNamespace(netns)) {
      throw cniError(
        CniErrorCode.INVALID_ENV,
        `CNI_NETNS ${JSON.stringify(netns)} is the host's own network namespace`,
        "the none network needs a namespace of its own: create one for the container",
      );
    }
    const others = handle.linkList().filter((l) => l.name !== LOOPBACK).map((l) => l.name);
    if (others.length > 0) {
      throw cniError(
        CniErrorCode.INVALID_ENV,
        `CNI_NETNS ${JSON.stringify(netns)} already has interfaces ${others.join(", ")}`,
        "the none network gives a container only lo: use a fresh namespace",
      );
    }
    handle.linkSetUp(handle.linkGet(LOOPBACK));
    return loopbackResult(handle, netns);
  },

  del(ctx) {
    loopbackDown(ctx.env.netns);
  },

  check(ctx) {
    checkLoopbackUp(ctx.env.netns);
  },

  gc() {},
  status() {},
};

/**
 * What container commands share: the runtime (stores, CNI, runc) opened on berth's root, with
 * garbage collection of dead containers and stale attachments first, as every command does.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { mark } from "../trace.ts";
import { openStore, rootFrom, type GlobalArgs } from "./context.ts";

/** Where berth's plugins are: beside the binary (dist/cni), $BERTH_CNI_PATH, then /opt/cni/bin. */
export function pluginDirs(self: string): string[] {
  const dirs = [...(process.env.BERTH_CNI_PATH ?? "").split(":").filter(Boolean), `${dirname(self)}/cni`, "/opt/cni/bin"];
  return dirs.filter((d) => existsSync(d));
}

export async function openRuntime(argv: GlobalArgs, gc = true) {
  mark("command parsed");
  const root = rootFrom(argv);
  const images = await openStore(argv);
  const { ContainerStore } = await import("../container/store.ts");
  const { Runc } = await import("../container/runc.ts");
  const { networkContext } = await import("../container/network.ts");
  const lifecycle = await import("../container/lifecycle.ts");
  const self = process.env.BERTH_SELF || process.execPath;
  const rt = { root, images, containers: new ContainerStore(root), net: networkContext(root, pluginDirs(self), self), runc: new Runc(root), self };
  mark("stores open");
  if (gc) await lifecycle.collectGarbage(rt);
  mark("garbage collected");
  return { rt, lifecycle };
}

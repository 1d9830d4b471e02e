/**
 * Every plugin berth ships, by the executable name a runtime calls it by. Each entry loads its
 * module lazily, so starting one plugin parses only that plugin's code.
 */
import type { Plugin } from "../lib/cni/index.ts";

export interface PluginEntry {
  /** One line for `berth plugins` and the README. */
  summary: string;
  load(): Promise<Plugin<unknown>>;
}

export const PLUGINS: Record<string, PluginEntry> = {
  loopback: {
    summary: "brings up lo in the container namespace",
    load: async () => (await import("./loopback.ts")).plugin as Plugin<unknown>,
  },
  none: {
    summary: "a namespace of its own with only lo up (docker --net=none)",
    load: async () => (await import("./none.ts")).plugin as Plugin<unknown>,
  },
};

export function pluginNames(): string[] {
  return Object.keys(PLUGINS).sort();
}

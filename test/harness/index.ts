export { uniqueName, TEST_PREFIX } from "./names.ts";
export { TestNetns, sh, NETNS_DIR } from "./netns.ts";
export { takeSnapshot, diffSnapshots, type Snapshot } from "./leaks.ts";
export { execPlugin, execPluginAsync, CNI_BIN, DIST, type PluginCall, type PluginOutput } from "./plugin.ts";
export { BridgeEnv, REFERENCE_BIN } from "./bridge-env.ts";
export { ok, ping } from "./assert.ts";
export { NatEnv, HOST_WAN, OUTSIDE } from "./nat-env.ts";
export { BerthHost } from "./berth-host.ts";

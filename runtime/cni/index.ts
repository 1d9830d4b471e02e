/** runtime/cni — berth as a CNI runtime: conflists, plugin execution, result cache, the verbs. */
export { ConfigListError, findConfigList, loadConfigLists, parseConfigList, type NetworkConfigList, type PluginConf } from "./conflist.ts";
export { ResultCache, type CacheEntry } from "./cache.ts";
export { CniPluginError, findPlugin, invoke, spawnRunner, type Invocation, type PluginRun, type PluginRunner } from "./exec.ts";
export { CniRuntime, requestFor, type Attachment, type CniRuntimeOptions, type RuntimeConf } from "./runtime.ts";
export { inProcessRunner } from "./in-process.ts";

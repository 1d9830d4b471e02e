/** lib/cni — the CNI protocol core shared by every berth plugin. */
export { CniError, CniErrorCode, causeChain, cniError, isCniError, toErrorJson, type ErrorJson } from "./errors.ts";
export {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  assertSupported,
  assertVerbAllowed,
  atLeast,
  compareVersions,
  isV1,
  parseVersion,
  versionInfo,
  versionReply,
} from "./version.ts";
export type { Command, Dns, GcAttachment, NetConf, Result, ResultInterface, ResultIp, ResultRoute } from "./types.ts";
export { convertResult, formatResult, ipVersionOf, normalizeResult } from "./result.ts";
export { capabilities, getCI, parseCniArgs, type Bandwidth, type IpRange, type PortMapping, type RuntimeDns } from "./args.ts";
export { CONTAINER_ID_PATTERN, ifnameProblem, parseCommand, parseEnv, type CniEnv } from "./env.ts";
export { NETWORK_NAME_PATTERN, parseNetConf, validAttachments } from "./config.ts";
export { DEFAULT_DELEGATE_TIMEOUT_MS, delegate, findInPath, registerInProcess, type DelegateRequest, type InProcessRunner } from "./delegate.ts";
export { NO_LOGGER, runPlugin, type GcContext, type Logger, type Plugin, type PluginContext, type PluginIo } from "./skel.ts";

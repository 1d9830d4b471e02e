/** lib/cni — the CNI protocol core shared by every berth plugin. Pure except delegate.ts (exec). */
export { CniError, CniErrorCode, causeChain, cniError, isCniError, toErrorJson } from "./errors.ts";
export {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  assertSupported,
  assertVerbAllowed,
  atLeast,
  compareVersions,
  isSupportedVersion,
  isV1,
  parseVersion,
  versionInfo,
  versionReply,
} from "./version.ts";
export type {
  Command,
  Dns,
  ErrorJson,
  GcAttachment,
  NetConf,
  NetConfRaw,
  Result,
  ResultInterface,
  ResultIp,
  ResultRoute,
  VersionResult,
} from "./types.ts";
export { convertResult, formatResult, ipVersionOf, normalizeResult, parsePrevResult } from "./result.ts";
export {
  capabilities,
  capability,
  getCI,
  parseCniArgs,
  type Bandwidth,
  type IpRange,
  type PortMapping,
  type RuntimeDns,
} from "./args.ts";
export { COMMANDS, CONTAINER_ID_PATTERN, MAX_IFNAME_BYTES, ifnameProblem, parseCommand, parseEnv, type CniEnv } from "./env.ts";
export { IMPLIED_VERSION, NETWORK_NAME_PATTERN, parseNetConf, peekVersion, validAttachments } from "./config.ts";
export {
  DEFAULT_DELEGATE_TIMEOUT_MS,
  delegate,
  execPlugin,
  findInPath,
  ipamAdd,
  ipamCheck,
  ipamDel,
  ipamGc,
  ipamStatus,
  registerInProcess,
  type DelegateRequest,
  type ExecRequest,
  type InProcessRunner,
} from "./delegate.ts";
export {
  NO_LOGGER,
  runPlugin,
  type AddContext,
  type CheckContext,
  type DelContext,
  type GcContext,
  type Logger,
  type Plugin,
  type PluginContext,
  type PluginIo,
  type StatusContext,
} from "./skel.ts";

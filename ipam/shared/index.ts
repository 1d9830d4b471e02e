/**
 * ipam/shared — what the IPAM plugins share: result and request shapes, errors with CNI codes,
 * and Go-compatible (case-insensitive) configuration readers.
 */
export { IpamCode, IpamConfigError, IpamError } from "./errors.ts";
export { ConfigReader, field, isJsonObject, type JsonObject } from "./json.ts";
export { readNetConfBase, readRoutes, versionAtLeast, type NetConfBase } from "./netconf.ts";
export type { Attachment, IpamDns, IpamIpConfig, IpamNetworkRequest, IpamRequest, IpamResult, IpamRoute } from "./types.ts";

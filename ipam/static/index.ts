/**
 * ipam/static — fixed addresses from the configuration, CNI_ARGS, args or runtimeConfig.
 */
export { staticAdd, staticCheck, staticDel } from "./static.ts";
export { parseStaticConfig, type StaticAddress, type StaticConfig } from "./config.ts";

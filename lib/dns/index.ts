/** lib/dns — the DNS files a container sees: resolv.conf, hosts and hostname. */
export {
  DEFAULT_NAMESERVERS_V4,
  RESOLVED_STUB,
  RESOLVED_UPSTREAM,
  containerResolv,
  formatResolvConf,
  isLoopbackNameserver,
  parseResolvConf,
  readHostResolv,
  type HostResolv,
  type ResolvConf,
  type ResolvOverrides,
} from "./resolv.ts";
export { formatHosts, hostsEntries, parseHostEntry, type HostEntry, type HostsInput } from "./hosts.ts";
export { writeInPlace } from "./write.ts";

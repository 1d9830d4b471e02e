/**
 * dnsfiles: a chained plugin that writes a container's resolv.conf, hosts and hostname, the way
 * Docker builds them, into a directory the runtime names (the runtime bind-mounts them into the
 * container), and fills `dns` in the result. DEL removes the files.
 *
 * Runtime data comes through capabilities:
 *   "dnsFiles": {"dir": "/path", "hostname"?: "web", "domain"?: "example.test",
 *                "extraHosts"?: ["db:10.88.0.3", ...]}   (berth's; --link and --add-host entries)
 *   "dns":      {"servers", "searches", "options"}       (the standard one: --dns, --dns-search, --dns-opt)
 *   "aliases":  ["www", ...]                              (extra names for the container's addresses)
 * Config keys: `resolvConf` (the host's file, default /etc/resolv.conf) and `stateDir`.
 */
import { mkdirSync, unlinkSync, existsSync } from "node:fs";
import { capabilities, cniError, CniErrorCode, getCI, type NetConf, type Plugin, type PluginContext, type Result } from "../lib/cni/index.ts";
import { containerResolv, formatHosts, formatResolvConf, hostsEntries, parseHostEntry, readHostResolv, writeInPlace } from "../lib/dns/index.ts";
import { AttachmentStore, bootId, type AttachmentKey } from "../lib/store/index.ts";
import { attachmentKey, collectStale, stateDirOf } from "./common/attachment.ts";
import { CHECK_FAILED } from "./netns-handle.ts";

const FILES = ["resolv.conf", "hosts", "hostname"] as const;

interface DnsFilesConfig {
  name: string;
  stateDir: string;
  hostResolv: string;
  dir: string | undefined;
  hostname: string | undefined;
  domain: string | undefined;
  extraHosts: string[];
  aliases: string[];
  servers: string[];
  searches: string[];
  options: string[];
}

interface DnsFilesResources {
  dir: string;
}

type Ctx = PluginContext<DnsFilesConfig>;
const keyOf = (ctx: Ctx): AttachmentKey => attachmentKey(ctx);
/**
 * A chained plugin shares its attachment key (network, container, ifname) with the interface
 * plugin before it, so its records live apart, under `.dnsfiles` (a leading dot is never a
 * network name, and the store skips it).
 */
const store = (ctx: Ctx) => new AttachmentStore(`${ctx.conf.stateDir}/.dnsfiles`);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function parseDnsFilesConfig(raw: NetConf): DnsFilesConfig {
  const files = getCI(raw.runtimeConfig, "dnsFiles");
  const dir = getCI(files, "dir");
  if (dir !== undefined && (typeof dir !== "string" || !dir.startsWith("/"))) {
    throw cniError(CniErrorCode.INVALID_CONFIG, "invalid runtimeConfig.dnsFiles.dir", `an absolute directory path is needed, got ${JSON.stringify(dir)}`);
  }
  const extraHosts = strings(getCI(files, "extraHosts"));
  for (const h of extraHosts) {
    try {
      parseHostEntry(h);
    } catch (cause) {
      throw cniError(CniErrorCode.INVALID_CONFIG, "invalid runtimeConfig.dnsFiles.extraHosts", (cause as Error).message, { cause });
    }
  }
  const hostname = getCI(files, "hostname");
  const domain = getCI(files, "domain");
  const dns = capabilities.dns(raw.runtimeConfig);
  return {
    name: raw.name,
    stateDir: stateDirOf(raw),
    hostResolv: typeof raw.resolvConf === "string" && raw.resolvConf !== "" ? raw.resolvConf : "/etc/resolv.conf",
    dir: typeof dir === "string" ? dir : undefined,
    hostname: typeof hostname === "string" && hostname !== "" ? hostname : undefined,
    domain: typeof domain === "string" && domain !== "" ? domain : undefined,
    extraHosts,
    aliases: capabilities.aliases(raw.runtimeConfig, raw.name),
    servers: dns?.servers ?? [],
    searches: dns?.searches ?? [],
    options: dns?.options ?? [],
  };
}

function removeFiles(dir: string | undefined): void {
  if (dir === undefined) return;
  for (const f of FILES) {
    try {
      unlinkSync(`${dir}/${f}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

export const plugin: Plugin<DnsFilesConfig> = {
  name: "dnsfiles",
  parseConfig: parseDnsFilesConfig,

  add(ctx) {
    const conf = ctx.conf;
    if (conf.dir === undefined) {
      throw cniError(CniErrorCode.INVALID_CONFIG, "missing runtimeConfig.dnsFiles.dir", 'declare "capabilities": {"dnsFiles": true} and have the runtime pass {"dir": "/path"} for the files');
    }
    const key = keyOf(ctx);
    const records = store(ctx);
    records.write<DnsFilesResources>({ ...key, plugin: "dnsfiles", ...(ctx.env.netns ? { netns: ctx.env.netns } : {}), createdAt: new Date().toISOString(), bootId: bootId(), state: "adding", resources: { dir: conf.dir } });

    const prev: Result = ctx.prevResult ?? { cniVersion: ctx.cniVersion };
    const resolv = containerResolv(readHostResolv({ path: conf.hostResolv }), { nameservers: conf.servers, search: conf.searches, options: conf.options });
    const hostname = conf.hostname ?? key.containerId.slice(0, 12);
    const addresses = (prev.ips ?? []).map((ip) => ip.address.split("/")[0] as string);
    const hosts = hostsEntries({ hostname, ...(conf.domain ? { domain: conf.domain } : {}), addresses, aliases: conf.aliases, extra: conf.extraHosts.map(parseHostEntry) });

    mkdirSync(conf.dir, { recursive: true, mode: 0o755 });
    writeInPlace(`${conf.dir}/resolv.conf`, formatResolvConf(resolv));
    writeInPlace(`${conf.dir}/hosts`, formatHosts(hosts));
    writeInPlace(`${conf.dir}/hostname`, `${hostname}\n`);
    records.write<DnsFilesResources>({ ...key, plugin: "dnsfiles", ...(ctx.env.netns ? { netns: ctx.env.netns } : {}), createdAt: new Date().toISOString(), bootId: bootId(), state: "ready", resources: { dir: conf.dir } });
    ctx.log.info({ dir: conf.dir, hostname }, "DNS files written");
    return {
      ...prev,
      cniVersion: ctx.cniVersion,
      dns: {
        nameservers: resolv.nameservers,
        ...(conf.domain ? { domain: conf.domain } : {}),
        ...(resolv.search.length > 0 ? { search: resolv.search } : {}),
        ...(resolv.options.length > 0 ? { options: resolv.options } : {}),
      },
    };
  },

  del(ctx) {
    const key = keyOf(ctx);
    const records = store(ctx);
    removeFiles(records.read<DnsFilesResources>(key)?.resources.dir ?? ctx.conf.dir);
    records.remove(key);
  },

  check(ctx) {
    const dir = store(ctx).read<DnsFilesResources>(keyOf(ctx))?.resources.dir ?? ctx.conf.dir;
    const missing = dir === undefined ? [...FILES] : FILES.filter((f) => !existsSync(`${dir}/${f}`));
    if (missing.length > 0) throw cniError(CHECK_FAILED, `DNS files missing for ${ctx.env.containerId}/${ctx.env.ifname}`, `${missing.join(", ")} ${dir ? `in ${dir}` : "(no directory recorded)"}`);
  },

  gc(ctx) {
    collectStale(ctx, store(ctx), ctx.conf.name, (_key, record) => removeFiles((record?.resources as DnsFilesResources | undefined)?.dir), 100);
  },

  status() {},
};

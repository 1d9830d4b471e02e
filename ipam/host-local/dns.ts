/**
 * resolv.conf into a CNI DNS object, the way the reference host-local reads `resolvConf`:
 * nameserver (one each), domain (last wins), search and options (all fields, accumulated);
 * blank lines, "#" and ";" comments and keywords without a value are skipped.
 */
import { readFileSync } from "node:fs";
import { IpamCode, IpamError } from "../shared/errors.ts";
import type { IpamDns } from "../shared/types.ts";

export function parseResolvConf(text: string): IpamDns {
  const nameservers: string[] = [];
  const search: string[] = [];
  const options: string[] = [];
  let domain: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    const [keyword, first] = fields as [string, string];
    switch (keyword) {
      case "nameserver":
        nameservers.push(first);
        break;
      case "domain":
        domain = first;
        break;
      case "search":
        search.push(...fields.slice(1));
        break;
      case "options":
        options.push(...fields.slice(1));
        break;
    }
  }
  const dns: IpamDns = {};
  if (nameservers.length > 0) dns.nameservers = nameservers;
  if (domain !== undefined) dns.domain = domain;
  if (search.length > 0) dns.search = search;
  if (options.length > 0) dns.options = options;
  return dns;
}

/** Read and parse `path`; a missing or unreadable file is an error, as in the reference. */
export function readResolvConf(path: string, network: string): IpamDns {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new IpamError(IpamCode.ioFailure, `Cannot read resolvConf ${JSON.stringify(path)} of network ${JSON.stringify(network)}`, { cause: err });
  }
  return parseResolvConf(text);
}

/**
 * /etc/hosts for a container, as Docker writes it: the localhost lines, the container's own
 * addresses with its hostname and aliases, then extra entries (--link names, --add-host).
 */
export interface HostEntry {
  ip: string;
  names: string[];
}

export interface HostsInput {
  hostname: string;
  /** Short name and domain: "web.example.test" also gets "web". */
  domain?: string;
  /** The container's own addresses (without prefix). */
  addresses: string[];
  aliases?: string[];
  extra?: HostEntry[];
}

const LOCALHOST: HostEntry[] = [
  { ip: "127.0.0.1", names: ["localhost"] },
  { ip: "::1", names: ["localhost", "ip6-localhost", "ip6-loopback"] },
  { ip: "fe00::0", names: ["ip6-localnet"] },
  { ip: "ff00::0", names: ["ip6-mcastprefix"] },
  { ip: "ff02::1", names: ["ip6-allnodes"] },
  { ip: "ff02::2", names: ["ip6-allrouters"] },
];

/** "name:ip" (Docker's --add-host and --link forms); IPv6 addresses keep their colons. */
export function parseHostEntry(text: string): HostEntry {
  const i = text.indexOf(":");
  if (i <= 0 || i === text.length - 1) throw new TypeError(`Invalid host entry ${JSON.stringify(text)}: expected NAME:IP`);
  const names = text.slice(0, i).split(/[\s,]+/).filter(Boolean);
  return { ip: text.slice(i + 1).replace(/^\[(.*)\]$/, "$1"), names };
}

export function hostsEntries(input: HostsInput): HostEntry[] {
  const own = [input.domain ? `${input.hostname}.${input.domain}` : "", input.hostname, ...(input.aliases ?? [])].filter(Boolean);
  const unique = [...new Set(own)];
  return [...LOCALHOST, ...input.addresses.map((ip) => ({ ip, names: unique })), ...(input.extra ?? [])];
}

export function formatHosts(entries: HostEntry[]): string {
  return `${entries.map((e) => `${e.ip}\t${e.names.join(" ")}`).join("\n")}\n`;
}

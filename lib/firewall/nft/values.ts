/**
 * Values of set and map elements, as plain data: the same shape berth's nfnetlink layer encodes,
 * and rendered here in nft's own syntax for `nft -f` scripts.
 */
export type NftField =
  | { type: "ipv4_addr"; value: string }
  | { type: "ipv6_addr"; value: string }
  | { type: "inet_service"; value: number }
  | { type: "inet_proto"; value: "tcp" | "udp" | "sctp" }
  | { type: "ifname"; value: string }
  | { type: "ether_addr"; value: string };

export interface NftVerdict {
  verdict: "accept" | "drop" | "jump" | "goto" | "return";
  chain?: string;
}

/** One element of a named set or map in berth's table; `key` may be an interval (a CIDR). */
export interface NftElement {
  /** The table's family: `inet berth` (default) or `bridge berth` (layer-2 rules). */
  family?: "inet" | "bridge";
  set: string;
  key: NftField[];
  /** The prefix length, for interval sets keyed by one address. */
  prefix?: number;
  data?: NftField[] | NftVerdict;
}

function field(f: NftField): string {
  switch (f.type) {
    case "ifname":
      return JSON.stringify(f.value);
    case "inet_service":
      return String(f.value);
    default:
      return f.value;
  }
}

/** `tcp . 10.0.0.1 . 8080 : 172.17.0.2 . 80`, `"br0" : jump fwf_x`, `10.88.0.0/16`. */
export function renderElement(e: NftElement): string {
  let key = e.key.map(field).join(" . ");
  if (e.prefix !== undefined) key += `/${e.prefix}`;
  if (e.data === undefined) return key;
  if (Array.isArray(e.data)) return `${key} : ${e.data.map(field).join(" . ")}`;
  const v = e.data as NftVerdict;
  return `${key} : ${v.verdict}${v.chain === undefined ? "" : ` ${v.chain}`}`;
}

/** A stable identity for an element (its set and key; data does not take part). */
export function elementId(e: NftElement): string {
  return `${e.family === "bridge" ? "bridge/" : ""}${e.set}:${e.key.map(field).join(".")}${e.prefix === undefined ? "" : `/${e.prefix}`}`;
}

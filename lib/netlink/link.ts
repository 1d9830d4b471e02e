/**
 * Links: RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK, and the decoded Link.
 * The handle's link methods call these; each takes the handle's connection.
 */
import { parseMac } from "../ip/index.ts";
import { LinkNotFoundError, describeLinkRef, isNetlinkError } from "./errors.ts";
import { bridgePortAttrs, decodeBridgePort, decodeKind, describeAdd, encodeKind, kindHint } from "./kinds/index.ts";
import type { BridgePortInfo, BridgePortSpec, LinkInfo, LinkSpec } from "./kinds/index.ts";
import { OPER_STATES, type OperState } from "./names.ts";
import {
  AF_UNSPEC,
  IFF_ALLMULTI,
  IFF_PROMISC,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_EXT_MASK,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_LINK_NETNSID,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_OPERSTATE,
  IFLA_PERM_ADDRESS,
  IFLA_TXQLEN,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTEXT_FILTER_SKIP_STATS,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  attr,
  concatBytes,
  NetlinkError,
  decodeIfInfoMsg,
  encodeAttrs,
  encodeIfInfoMsg,
  type Attr,
  type IfInfoMsg,
  type NetlinkConn,
  type NetlinkMessage,
} from "./wire/index.ts";

/** A link by name, by ifindex, or a decoded Link (its index is used). */
export type LinkRef = string | number | { readonly index: number; readonly name?: string };

/** A link as the kernel reports it. */
export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND ("veth", "bridge", ...); undefined for links without one (lo, physical NICs). */
  kind?: string;
  /** Decoded IFLA_INFO_DATA for the kinds berth knows. */
  info?: LinkInfo;
  /** The master's kind when enslaved (IFLA_INFO_SLAVE_KIND, e.g. "bridge"). */
  slaveKind?: string;
  /** Port settings when enslaved to a bridge. */
  bridgePort?: BridgePortInfo;
  /** ARPHRD_* (1 for Ethernet, 772 for loopback). */
  type: number;
  /** IFF_* flags. */
  flags: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_PROMISC. */
  promisc: boolean;
  /** IFF_ALLMULTI. */
  allmulti: boolean;
  operstate: OperState | number;
  carrier?: boolean;
  mtu: number;
  minMtu?: number;
  maxMtu?: number;
  /** IFLA_ADDRESS as lowercase hex ("aa:bb:cc:dd:ee:ff"); undefined for links without one. */
  mac?: string;
  broadcast?: string;
  permMac?: string;
  txQLen: number;
  alias?: string;
  /** IFLA_MASTER: the bridge (or other master) this link is enslaved to. */
  masterIndex?: number;
  /** IFLA_LINK: a veth's peer, a macvlan's parent (an index in `linkNetnsId`'s namespace when set). */
  parentIndex?: number;
  /** IFLA_LINK_NETNSID: the namespace of `parentIndex`, as an nsid of this one. */
  linkNetnsId?: number;
}

/** Names are at most IFNAMSIZ-1 bytes and cannot contain "/", ":" or whitespace, nor be "." or "..". */
export function checkLinkName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 15 || /[/:\s]/.test(name) || name === "." || name === "..") {
    throw new RangeError(`Invalid link name ${JSON.stringify(name)}: 1 to 15 bytes, without "/", ":" or whitespace`);
  }
}

/** Decode an RTM_NEWLINK (reply, dump part or event). */
export function decodeLink(msg: NetlinkMessage): Link {
  const { header, attrs } = decodeIfInfoMsg(msg.payload);
  const link: Link = {
    index: header.index,
    name: attrs.str(IFLA_IFNAME) ?? "",
    type: header.type,
    flags: header.flags,
    up: (header.flags & IFF_UP) !== 0,
    promisc: (header.flags & IFF_PROMISC) !== 0,
    allmulti: (header.flags & IFF_ALLMULTI) !== 0,
    operstate: OPER_STATES.name(attrs.u8(IFLA_OPERSTATE) ?? 0),
    mtu: attrs.u32(IFLA_MTU) ?? 0,
    txQLen: attrs.u32(IFLA_TXQLEN) ?? 0,
  };
  const set = <K extends keyof Link>(key: K, value: Link[K] | undefined): void => {
    if (value !== undefined) link[key] = value;
  };
  set("mac", attrs.mac(IFLA_ADDRESS));
  set("broadcast", attrs.mac(IFLA_BROADCAST));
  set("permMac", attrs.mac(IFLA_PERM_ADDRESS));
  set("alias", attrs.str(IFLA_IFALIAS));
  set("masterIndex", attrs.u32(IFLA_MASTER));
  set("parentIndex", attrs.u32(IFLA_LINK));
  set("linkNetnsId", attrs.s32(IFLA_LINK_NETNSID));
  set("minMtu", attrs.u32(IFLA_MIN_MTU));
  set("maxMtu", attrs.u32(IFLA_MAX_MTU));
  const carrier = attrs.u8(IFLA_CARRIER);
  if (carrier !== undefined) link.carrier = carrier !== 0;
  const info = attrs.nested(IFLA_LINKINFO);
  if (info !== undefined) {
    const kind = info.str(IFLA_INFO_KIND);
    if (kind !== undefined) {
      link.kind = kind;
      set("info", decodeKind(kind, info.nested(IFLA_INFO_DATA)));
    }
    const slaveKind = info.str(IFLA_INFO_SLAVE_KIND);
    if (slaveKind !== undefined) {
      link.slaveKind = slaveKind;
      const slaveData = info.nested(IFLA_INFO_SLAVE_DATA);
      if (slaveKind === "bridge" && slaveData !== undefined) link.bridgePort = decodeBridgePort(slaveData);
    }
  }
  return link;
}

function linkBody(head: Partial<IfInfoMsg>, attrs: readonly Attr[]): Uint8Array {
  return concatBytes([encodeIfInfoMsg({ family: AF_UNSPEC, ...head }), encodeAttrs(attrs)]);
}

/** The ifinfomsg index and attributes that select a link: by index, or by IFLA_IFNAME. */
function selector(ref: LinkRef): { index: number; attrs: Attr[] } {
  if (typeof ref === "string") return { index: 0, attrs: [attr.str(IFLA_IFNAME, ref)] };
  return { index: typeof ref === "number" ? ref : ref.index, attrs: [] };
}

/** Turn the kernel's ENODEV about the link a request names into a LinkNotFoundError. */
function notFound(err: unknown, ref: LinkRef, op: string): unknown {
  if (isNetlinkError(err, "ENODEV")) {
    const key = typeof ref === "object" ? (ref.name ?? ref.index) : ref;
    return new LinkNotFoundError(key, op, { cause: err });
  }
  return err;
}

export function linkAdd(conn: NetlinkConn, spec: LinkSpec): void {
  checkLinkName(spec.name);
  if (spec.kind === "veth") checkLinkName(spec.peer.name);
  const { infoData, linkAttrs } = encodeKind(spec);
  const attrs: Attr[] = [attr.str(IFLA_IFNAME, spec.name)];
  if (spec.mtu !== undefined) attrs.push(attr.u32(IFLA_MTU, spec.mtu));
  if (spec.mac !== undefined) attrs.push(attr.mac(IFLA_ADDRESS, parseMac(spec.mac)));
  if (spec.txQLen !== undefined) attrs.push(attr.u32(IFLA_TXQLEN, spec.txQLen));
  if (spec.netnsFd !== undefined) attrs.push(attr.u32(IFLA_NET_NS_FD, spec.netnsFd));
  if (spec.masterIndex !== undefined) attrs.push(attr.u32(IFLA_MASTER, spec.masterIndex));
  attrs.push(...linkAttrs);
  const info: Attr[] = [attr.str(IFLA_INFO_KIND, spec.kind)];
  if (infoData !== undefined) info.push(attr.nest(IFLA_INFO_DATA, infoData));
  attrs.push(attr.nest(IFLA_LINKINFO, info));
  const head = spec.up ? { flags: IFF_UP, change: IFF_UP } : {};
  const op = describeAdd(spec);
  try {
    conn.request(op, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, linkBody(head, attrs));
  } catch (err) {
    const hint = err instanceof NetlinkError && err.extack === undefined ? kindHint(spec, err.code) : undefined;
    if (hint === undefined || !(err instanceof NetlinkError)) throw err;
    throw new NetlinkError(op, err.errno, { detail: hint, cause: err });
  }
}

export function linkDel(conn: NetlinkConn, ref: LinkRef): void {
  const op = `delete link ${describeLinkRef(ref)}`;
  const sel = selector(ref);
  try {
    conn.request(op, RTM_DELLINK, 0, linkBody({ index: sel.index }, sel.attrs));
  } catch (err) {
    throw notFound(err, ref, op);
  }
}

function getLink(conn: NetlinkConn, ref: string | number): Link {
  const op = `find link ${describeLinkRef(ref)}`;
  const sel = selector(ref);
  let replies: NetlinkMessage[];
  try {
    replies = conn.request(op, RTM_GETLINK, 0, linkBody({ index: sel.index }, [...sel.attrs, attr.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)]));
  } catch (err) {
    throw notFound(err, ref, op);
  }
  const reply = replies.find((m) => m.type === RTM_NEWLINK);
  if (reply === undefined) throw new LinkNotFoundError(ref, op);
  return decodeLink(reply);
}

export function linkGet(conn: NetlinkConn, name: string): Link {
  return getLink(conn, name);
}

export function linkByIndex(conn: NetlinkConn, index: number): Link {
  return getLink(conn, index);
}

export function linkFind(conn: NetlinkConn, name: string): Link | undefined {
  try {
    return getLink(conn, name);
  } catch (err) {
    if (err instanceof LinkNotFoundError) return undefined;
    throw err;
  }
}

/** The ifindex of a reference, looking a name up when needed. */
export function linkIndex(conn: NetlinkConn, ref: LinkRef): number {
  if (typeof ref === "number") return ref;
  if (typeof ref === "object") return ref.index;
  return getLink(conn, ref).index;
}

export interface LinkListFilter {
  /** Only links enslaved to this master (kernel-side filter, IFLA_MASTER). */
  master?: LinkRef;
  /** Only links of this kind (kernel-side filter, IFLA_INFO_KIND). */
  kind?: string;
}

export function linkList(conn: NetlinkConn, filter: LinkListFilter = {}): Link[] {
  const attrs: Attr[] = [attr.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)];
  const master = filter.master === undefined ? undefined : linkIndex(conn, filter.master);
  if (master !== undefined) attrs.push(attr.u32(IFLA_MASTER, master));
  if (filter.kind !== undefined) attrs.push(attr.nest(IFLA_LINKINFO, [attr.str(IFLA_INFO_KIND, filter.kind)]));
  return conn
    .dump("dump links", RTM_GETLINK, linkBody({}, attrs))
    .filter((m) => m.type === RTM_NEWLINK)
    .map(decodeLink)
    .filter((l) => (master === undefined || l.masterIndex === master) && (filter.kind === undefined || l.kind === filter.kind));
}

/**
 * Change an existing link. Sent as RTM_NEWLINK without NLM_F_CREATE, as `ip link set` does:
 * unlike RTM_SETLINK it also applies IFLA_LINKINFO (bridge port settings). ENODEV about the
 * link becomes LinkNotFoundError.
 */
function setLink(conn: NetlinkConn, ref: LinkRef, what: string, attrs: readonly Attr[], head: Partial<IfInfoMsg> = {}): void {
  const op = `set ${what} on link ${describeLinkRef(ref)}`;
  const sel = selector(ref);
  try {
    conn.request(op, RTM_NEWLINK, 0, linkBody({ ...head, index: sel.index }, [...sel.attrs, ...attrs]));
  } catch (err) {
    throw notFound(err, ref, op);
  }
}

export function linkSetUp(conn: NetlinkConn, ref: LinkRef): void {
  setLink(conn, ref, "state up", [], { flags: IFF_UP, change: IFF_UP });
}

export function linkSetDown(conn: NetlinkConn, ref: LinkRef): void {
  setLink(conn, ref, "state down", [], { flags: 0, change: IFF_UP });
}

export function linkSetPromisc(conn: NetlinkConn, ref: LinkRef, on: boolean): void {
  setLink(conn, ref, `promisc ${on ? "on" : "off"}`, [], { flags: on ? IFF_PROMISC : 0, change: IFF_PROMISC });
}

export function linkSetAllmulti(conn: NetlinkConn, ref: LinkRef, on: boolean): void {
  setLink(conn, ref, `allmulticast ${on ? "on" : "off"}`, [], { flags: on ? IFF_ALLMULTI : 0, change: IFF_ALLMULTI });
}

export function linkSetMtu(conn: NetlinkConn, ref: LinkRef, mtu: number): void {
  setLink(conn, ref, `mtu ${mtu}`, [attr.u32(IFLA_MTU, mtu)]);
}

export function linkSetTxQLen(conn: NetlinkConn, ref: LinkRef, qlen: number): void {
  setLink(conn, ref, `txqueuelen ${qlen}`, [attr.u32(IFLA_TXQLEN, qlen)]);
}

export function linkSetMac(conn: NetlinkConn, ref: LinkRef, mac: string): void {
  setLink(conn, ref, `address ${mac}`, [attr.mac(IFLA_ADDRESS, parseMac(mac))]);
}

export function linkSetAlias(conn: NetlinkConn, ref: LinkRef, alias: string): void {
  setLink(conn, ref, `alias ${JSON.stringify(alias)}`, [attr.str(IFLA_IFALIAS, alias)]);
}

export function linkSetName(conn: NetlinkConn, ref: LinkRef, name: string): void {
  checkLinkName(name);
  const index = linkIndex(conn, ref);
  setLink(conn, typeof ref === "string" ? { index, name: ref } : ref, `name ${JSON.stringify(name)}`, [attr.str(IFLA_IFNAME, name)]);
}

export function linkSetMaster(conn: NetlinkConn, ref: LinkRef, master: LinkRef): void {
  const masterIndex = linkIndex(conn, master);
  setLink(conn, ref, `master ${describeLinkRef(master)}`, [attr.u32(IFLA_MASTER, masterIndex)]);
}

export function linkSetNoMaster(conn: NetlinkConn, ref: LinkRef): void {
  setLink(conn, ref, "nomaster", [attr.u32(IFLA_MASTER, 0)]);
}

export function linkSetNetns(conn: NetlinkConn, ref: LinkRef, netnsFd: number): void {
  setLink(conn, ref, `netns fd ${netnsFd}`, [attr.u32(IFLA_NET_NS_FD, netnsFd)]);
}

export function linkSetBridgePort(conn: NetlinkConn, ref: LinkRef, port: BridgePortSpec): void {
  const data = bridgePortAttrs(port);
  if (data.length === 0) return;
  const info = attr.nest(IFLA_LINKINFO, [attr.str(IFLA_INFO_SLAVE_KIND, "bridge"), attr.nest(IFLA_INFO_SLAVE_DATA, data)]);
  setLink(conn, ref, "bridge port settings", [info]);
}

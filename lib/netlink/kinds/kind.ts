/**
 * What every link kind shares, and the shape of a kind's codec. A kind module (veth.ts,
 * bridge.ts, ...) turns its spec into IFLA_INFO_DATA attributes and decodes them back;
 * kinds/index.ts is the registry. Adding a kind touches only its module and the registry.
 */
import type { Attr, AttrSet } from "../wire/index.ts";

/** Attributes any new link may be given. */
export interface LinkSpecBase {
  /** The interface name (at most 15 bytes). */
  name: string;
  mtu?: number;
  /** Link-layer address, "aa:bb:cc:dd:ee:ff". */
  mac?: string;
  txQLen?: number;
  /**
   * Create the link directly in the namespace of this fd (IFLA_NET_NS_FD): no move, no
   * second RTM_NEWLINK. Attributes that refer to other links (a macvlan's parent) still name
   * links of the handle's namespace.
   */
  netnsFd?: number;
  /** Bring the link up as it is created (`ip link add ... up`). */
  up?: boolean;
  /** Enslave to this master (an ifindex) as it is created (`ip link add ... master M`). */
  masterIndex?: number;
  alias?: string;
}

/** The codec of one link kind: spec → attributes, attributes → decoded info. */
export interface LinkKind<S extends { kind: string }, I extends { kind: string }> {
  readonly kind: S["kind"];
  /** The children of IFLA_INFO_DATA, or undefined when the kind sends none. */
  infoData(spec: S): readonly Attr[] | undefined;
  /** Top-level attributes the kind adds, such as IFLA_LINK for a parent link. */
  linkAttrs?(spec: S): readonly Attr[];
  /** Extra words for messages about creating this link, e.g. `with peer "eth0"`. */
  describe?(spec: S): string;
  /**
   * Words for a refusal the kernel gives without an extack message (errno name in `code`),
   * e.g. a feature this kernel lacks. Undefined when there is nothing to add.
   */
  hint?(spec: S, code: string): string | undefined;
  /** Decode IFLA_INFO_DATA (undefined when the kernel sent none). */
  decode(data: AttrSet | undefined): I;
}

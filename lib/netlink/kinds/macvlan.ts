/**
 * macvlan: a virtual interface with its own MAC on top of a parent link (IFLA_LINK). With
 * IFLA_NET_NS_FD it is born in another namespace while its parent stays in the handle's.
 */
import {
  IFLA_LINK,
  IFLA_MACVLAN_BC_QUEUE_LEN,
  IFLA_MACVLAN_BC_QUEUE_LEN_USED,
  IFLA_MACVLAN_FLAGS,
  IFLA_MACVLAN_MODE,
  MACVLAN_MODE_BRIDGE,
  MACVLAN_MODE_PASSTHRU,
  MACVLAN_MODE_PRIVATE,
  MACVLAN_MODE_SOURCE,
  MACVLAN_MODE_VEPA,
  attr,
  type Attr,
} from "../wire/index.ts";
import type { LinkKind, LinkSpecBase } from "./kind.ts";

export type MacvlanMode = "private" | "vepa" | "bridge" | "passthru" | "source";

const MODES: Record<MacvlanMode, number> = {
  private: MACVLAN_MODE_PRIVATE,
  vepa: MACVLAN_MODE_VEPA,
  bridge: MACVLAN_MODE_BRIDGE,
  passthru: MACVLAN_MODE_PASSTHRU,
  source: MACVLAN_MODE_SOURCE,
};

/** Equivalent to `ip link add NAME link PARENT type macvlan mode MODE [netns NS]`. */
export interface MacvlanSpec extends LinkSpecBase {
  kind: "macvlan";
  /** The parent link's ifindex, in the handle's namespace. */
  parentIndex: number;
  mode: MacvlanMode;
  /** MACVLAN_FLAG_* (e.g. NOPROMISC). */
  flags?: number;
  /** Length of the broadcast/multicast queue (`bcqueuelen`); the kernel's default when absent. */
  bcQueueLen?: number;
}

export interface MacvlanInfo {
  kind: "macvlan";
  /** The mode's name, or its number when the kernel reports one unknown here. */
  mode: MacvlanMode | number;
  flags: number;
  /** The broadcast queue length in use (IFLA_MACVLAN_BC_QUEUE_LEN_USED), when reported. */
  bcQueueLen?: number;
}

export const macvlan: LinkKind<MacvlanSpec, MacvlanInfo> = {
  kind: "macvlan",
  infoData(spec) {
    const mode = MODES[spec.mode];
    if (mode === undefined) throw new RangeError(`Unknown macvlan mode ${JSON.stringify(spec.mode)}: expected one of ${Object.keys(MODES).join(", ")}`);
    const a: Attr[] = [attr.u32(IFLA_MACVLAN_MODE, mode)];
    if (spec.flags !== undefined) a.push(attr.u16(IFLA_MACVLAN_FLAGS, spec.flags));
    if (spec.bcQueueLen !== undefined) a.push(attr.u32(IFLA_MACVLAN_BC_QUEUE_LEN, spec.bcQueueLen));
    return a;
  },
  linkAttrs: (spec) => [attr.u32(IFLA_LINK, spec.parentIndex)],
  hint(spec, code) {
    if (code === "ENODEV") return `the parent link with index ${spec.parentIndex} does not exist in the handle's namespace`;
    if (code === "EBUSY") return `the parent link with index ${spec.parentIndex} is in use (a bridge port cannot carry a macvlan)`;
    return undefined;
  },
  decode(data) {
    const value = data?.u32(IFLA_MACVLAN_MODE) ?? MACVLAN_MODE_VEPA;
    const name = (Object.keys(MODES) as MacvlanMode[]).find((m) => MODES[m] === value);
    const used = data?.u32(IFLA_MACVLAN_BC_QUEUE_LEN_USED);
    return { kind: "macvlan", mode: name ?? value, flags: data?.u16(IFLA_MACVLAN_FLAGS) ?? 0, ...(used !== undefined ? { bcQueueLen: used } : {}) };
  },
};

/** Bridge port VLAN requests, byte by byte (this project's kernels lack VLAN filtering to try them). */
import { describe, expect, it } from "vitest";
import { bridgeVlanAdd, bridgeVlanAttrs, bridgeVlanDel } from "./bridge-vlan.ts";
import {
  AF_BRIDGE,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_VLAN_INFO,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NetlinkConn,
  RTM_DELLINK,
  RTM_SETLINK,
  decodeIfInfoMsg,
  encodeAttrs,
  type NetlinkMessage,
} from "./wire/index.ts";
import { AckingKernel } from "./wire/testdata/acking-kernel.ts";

/** The (flags, vid) pairs of the IFLA_BRIDGE_VLAN_INFO entries of an AF_BRIDGE request. */
function vlanInfos(msg: NetlinkMessage): [number, number][] {
  const { header, attrs } = decodeIfInfoMsg(msg.payload);
  expect(header.family).toBe(AF_BRIDGE);
  const spec = attrs.nested(IFLA_AF_SPEC);
  expect(spec).toBeDefined();
  return spec!.all(IFLA_BRIDGE_VLAN_INFO).map((a) => {
    const d = new DataView(a.buffer, a.byteOffset, a.byteLength);
    return [d.getUint16(0, true), d.getUint16(2, true)];
  });
}

describe("bridge port VLANs", () => {
  it("encodes an access VLAN as one PVID|UNTAGGED entry: flags 6, vid 100, little endian", () => {
    const bytes = encodeAttrs(bridgeVlanAttrs({ vid: 100, pvid: true, untagged: true }));
    // nla_len 8, nla_type 2 (IFLA_BRIDGE_VLAN_INFO), flags 0x0006, vid 0x0064
    expect([...bytes]).toEqual([8, 0, 2, 0, 6, 0, 100, 0]);
  });

  it("encodes a trunk range as a RANGE_BEGIN / RANGE_END pair", () => {
    const bytes = encodeAttrs(bridgeVlanAttrs({ vid: 10, vidEnd: 20 }));
    expect([...bytes]).toEqual([8, 0, 2, 0, 8, 0, 10, 0, 8, 0, 2, 0, 16, 0, 20, 0]);
  });

  it("sends RTM_SETLINK to add and RTM_DELLINK to delete, addressed to the port's index", () => {
    const kernel = new AckingKernel();
    const conn = new NetlinkConn(kernel);
    bridgeVlanAdd(conn, 7, [{ vid: 100, pvid: true, untagged: true }, { vid: 200 }]);
    bridgeVlanDel(conn, 7, [{ vid: 1, pvid: true, untagged: true }]);
    const [add, del] = kernel.sent as [NetlinkMessage, NetlinkMessage];
    expect(add.type).toBe(RTM_SETLINK);
    expect(add.flags).toBe(NLM_F_REQUEST | NLM_F_ACK);
    expect(decodeIfInfoMsg(add.payload).header.index).toBe(7);
    expect(vlanInfos(add)).toEqual([
      [6, 100],
      [0, 200],
    ]);
    expect(del.type).toBe(RTM_DELLINK);
    expect(vlanInfos(del)).toEqual([[6, 1]]);
  });

  it("refuses ids outside 1-4094, reversed ranges and a PVID range", () => {
    expect(() => bridgeVlanAttrs({ vid: 0 })).toThrowError(/Invalid VLAN id 0/);
    expect(() => bridgeVlanAttrs({ vid: 4095 })).toThrowError(/Invalid VLAN id 4095/);
    expect(() => bridgeVlanAttrs({ vid: 20, vidEnd: 10 })).toThrowError(/Invalid VLAN range/);
    expect(() => bridgeVlanAttrs({ vid: 10, vidEnd: 20, pvid: true })).toThrowError(/PVID/);
  });
});

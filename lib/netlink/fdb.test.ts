/** FDB entries of a VXLAN device (static remotes), byte by byte. */
import { describe, expect, it } from "vitest";
import { fdbAppend, fdbDel } from "./neigh.ts";
import {
  AF_BRIDGE,
  NDA_DST,
  NDA_LLADDR,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_REQUEST,
  NTF_SELF,
  NUD_PERMANENT,
  NetlinkConn,
  RTM_DELNEIGH,
  RTM_NEWNEIGH,
  decodeNdMsg,
  type NetlinkMessage,
} from "./wire/index.ts";
import { AckingKernel } from "./wire/testdata/acking-kernel.ts";

describe("fdb entries", () => {
  it("appends an all-zeros entry with a remote: AF_BRIDGE, NTF_SELF, permanent, NLM_F_APPEND", () => {
    const kernel = new AckingKernel();
    const conn = new NetlinkConn(kernel);
    fdbAppend(conn, 9, "00:00:00:00:00:00", "192.0.2.2");
    fdbDel(conn, 9, "00:00:00:00:00:00", "192.0.2.2");
    const [add, del] = kernel.sent as [NetlinkMessage, NetlinkMessage];
    expect(add.type).toBe(RTM_NEWNEIGH);
    expect(add.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND);
    const { header, attrs } = decodeNdMsg(add.payload);
    expect(header).toMatchObject({ family: AF_BRIDGE, index: 9, state: NUD_PERMANENT, flags: NTF_SELF });
    expect([...attrs.get(NDA_LLADDR)!]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...attrs.get(NDA_DST)!]).toEqual([192, 0, 2, 2]);
    expect(del.type).toBe(RTM_DELNEIGH);
  });
});

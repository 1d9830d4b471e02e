/**
 * The NETLINK_ROUTE socket under the handle: timeouts, buffer growth, large multi-part dumps.
 * Sockets are opened inside throwaway namespaces only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  NetlinkError,
  ReceiveTimeoutError,
  RouteSocket,
  openHandle,
  type NetlinkHandle,
  type RouteSocketOptions,
} from "../../lib/netlink/index.ts";
import { linkGet } from "../../lib/netlink/link.ts";
import { NetlinkConn } from "../../lib/netlink/wire/index.ts";
import { withNetns } from "../../lib/netns/index.ts";
import { TestNetns } from "../harness/index.ts";

let ns: TestNetns;
const closers: (() => void)[] = [];
beforeEach(() => {
  ns = TestNetns.create("s");
});
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
  ns.destroy();
});

function socketIn(options: RouteSocketOptions = {}): RouteSocket {
  const s = withNetns(ns.path, () => RouteSocket.open(options));
  closers.push(() => s.close());
  return s;
}

function handle(): NetlinkHandle {
  const h = openHandle(ns.path);
  closers.push(() => h.close());
  return h;
}

describe("RouteSocket", () => {
  it("gives up on a reply after its timeout instead of hanging", () => {
    const s = socketIn({ timeoutMs: 150 });
    const t0 = performance.now();
    expect(() => s.recv()).toThrow(ReceiveTimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(s.recvWithin(0)).toBeUndefined();
  });

  it("turns a lost reply into a NetlinkError ETIMEDOUT that names the operation", () => {
    const s = socketIn({ timeoutMs: 150 });
    // A transport whose requests never reach the kernel: only the timeout can end the call.
    const conn = new NetlinkConn({ portId: s.portId, send: () => undefined, recv: () => s.recv() });
    const t0 = performance.now();
    expect(() => linkGet(conn, "lo")).toThrow(/^Cannot find link "lo": ETIMEDOUT \(timed out\): no reply from the kernel within 150 ms$/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("grows its buffer to the size of the datagram, learned with MSG_PEEK|MSG_TRUNC", () => {
    const s = socketIn({ bufferSize: 64 });
    const lo = linkGet(new NetlinkConn(s), "lo");
    expect(lo).toMatchObject({ index: 1, name: "lo", mtu: 65536, up: true });
    expect(s.bufferSize).toBeGreaterThan(64);
  });

  it("binds a port id of its own for each socket", () => {
    const a = socketIn();
    const b = socketIn();
    expect(a.portId).not.toBe(0);
    expect(a.portId).not.toBe(b.portId);
    a.close();
    expect(() => a.send(new Uint8Array(16))).toThrow(/closed/);
  });
});

describe("large dumps", () => {
  it("reads a dump spread over many datagrams: 200 veth pairs, as ip counts them", () => {
    const h = handle();
    for (let i = 0; i < 200; i++) h.linkAdd({ kind: "veth", name: `d${i}a`, peer: { name: `d${i}b` } });
    const links = h.linkList();
    const ipCount = (ns.ipJson(["link", "show"]) as unknown[]).length;
    expect(links).toHaveLength(401);
    expect(links).toHaveLength(ipCount);
    expect(new Set(links.map((l) => l.name)).size).toBe(401);
    expect(h.linkList({ kind: "veth" })).toHaveLength(400);
  });

  it("reports a kernel refusal of a dump with the kernel's words", () => {
    const h = handle();
    // A strict link dump may not filter by index in its header.
    const body = new Uint8Array(16);
    new DataView(body.buffer).setInt32(4, 1, true);
    let err: unknown;
    try {
      h.conn.dump("dump links", 18 /* RTM_GETLINK */, body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: "EINVAL", extack: "Filter by device index not supported for link dumps" });
  });
});

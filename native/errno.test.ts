import { describe, expect, it } from "vitest";
import { SysError, errnoName, errnoNumber, hasErrno } from "./errno.ts";
import { sys, O_RDONLY, AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, NETLINK_ROUTE } from "./index.ts";

describe("errno names", () => {
  it("maps numbers to names and back", () => {
    expect(errnoName(17)).toBe("EEXIST");
    expect(errnoName(19)).toBe("ENODEV");
    expect(errnoNumber("ENOENT")).toBe(2);
    expect(errnoName(4242)).toBe("E4242");
  });

  it("builds an error that names the syscall, the object and the errno", () => {
    const err = new SysError("open", 2, "/run/netns/x");
    expect(err.message).toBe('Cannot open "/run/netns/x": ENOENT (no such file or directory)');
    expect(err.code).toBe("ENOENT");
    expect(hasErrno(err, "ENOENT")).toBe(true);
    expect(hasErrno(err, "EEXIST")).toBe(false);
  });
});

describe("the native backend under Node (koffi)", () => {
  it("turns a failing syscall into a SysError with the real errno", () => {
    expect(() => sys.open("/nonexistent/berth", O_RDONLY)).toThrowError(
      expect.objectContaining({ code: "ENOENT", syscall: "open" }),
    );
  });

  it("opens, binds and names a netlink socket", () => {
    const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    try {
      const addr = new Uint8Array(12);
      addr[0] = AF_NETLINK;
      sys.bind(fd, addr);
      expect(sys.getsockname(fd, addr)).toBe(12);
      // The kernel assigned a port id (non-zero) on bind.
      expect(new DataView(addr.buffer).getUint32(4, true)).not.toBe(0);
    } finally {
      sys.close(fd);
    }
  });

  it("reports the process and thread ids", () => {
    expect(sys.getpid()).toBe(process.pid);
    expect(sys.gettid()).toBeGreaterThan(0);
  });
});

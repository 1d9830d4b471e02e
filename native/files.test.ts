import { afterEach, describe, expect, it } from "vitest";
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { sys, makedev, S_IFIFO, FSOPEN_CLOEXEC, FSCONFIG_SET_STRING } from "./index.ts";

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(`${tmpdir()}/berth-test-native-`);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("file syscalls of the native backend under Node (koffi)", () => {
  it("makes a fifo with mknod and encodes device numbers as the kernel does", () => {
    const d = dir();
    sys.mknod(`${d}/fifo`, S_IFIFO | 0o600, 0);
    expect(lstatSync(`${d}/fifo`).isFIFO()).toBe(true);
    expect(() => sys.mknod(`${d}/fifo`, S_IFIFO | 0o600, 0)).toThrowError(expect.objectContaining({ code: "EEXIST" }));
    expect(makedev(1, 3)).toBe(259);
    expect(makedev(8, 300)).toBe(0x100000 + 0x800 + 44);
  });

  it("sets, reads and lists extended attributes, binary values intact", () => {
    const f = `${dir()}/f`;
    writeFileSync(f, "");
    const value = new Uint8Array([0x80, 0, 0xff]);
    sys.lsetxattr(f, "user.bin", value, 0);
    expect(sys.lgetxattr(f, "user.bin")).toEqual(value);
    expect(sys.lgetxattr(f, "user.absent")).toBeNull();
    expect(sys.llistxattr(f)).toContain("user.bin");
  });

  it("reports a failing fsconfig with the key and value it was given", () => {
    const fd = sys.fsopen("overlay", FSOPEN_CLOEXEC);
    try {
      expect(() => sys.fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", "/nonexistent/berth", 0)).toThrowError(
        /fsconfig "lowerdir\+=\/nonexistent\/berth": ENOENT/,
      );
    } finally {
      sys.close(fd);
    }
  });
});

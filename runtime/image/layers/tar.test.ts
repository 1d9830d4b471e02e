import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { sys } from "../../../native/index.ts";
import { TarReader, TarFormatError, type TarHeader } from "./tar-reader.ts";
import { END_OF_ARCHIVE, encodeHeader, padding, type TarEntryInput } from "./tar-writer.ts";

interface Read {
  header: TarHeader;
  content: Buffer;
}

/** Parse `data` fed in pieces of `step` bytes. */
function readAll(data: Uint8Array, step = data.length): Read[] {
  const out: Read[] = [];
  let parts: Buffer[] = [];
  const reader = new TarReader({
    entry: (header) => {
      out.push({ header, content: Buffer.alloc(0) });
      parts = [];
    },
    data: (chunk) => parts.push(Buffer.from(chunk)),
    end: () => {
      const last = out[out.length - 1];
      if (last) last.content = Buffer.concat(parts);
    },
  });
  for (let off = 0; off < data.length; off += step) reader.push(data.subarray(off, off + step));
  reader.finish();
  return out;
}

function archive(entries: [TarEntryInput, Uint8Array?][]): Buffer {
  const parts: Uint8Array[] = [];
  for (const [entry, content] of entries) {
    parts.push(encodeHeader(entry));
    if (content) parts.push(content, padding(content.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

const CAP = new Uint8Array([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const LONG = `${"deep/".repeat(40)}name-that-needs-pax.txt`;

describe("tar writer and reader", () => {
  const entries: [TarEntryInput, Uint8Array?][] = [
    [{ name: "dir", type: "dir", mode: 0o2755, uid: 1, gid: 2, size: 0, mtime: 1700000000 }],
    [{ name: "dir/file", type: "file", mode: 0o4711, uid: 3_000_000, gid: 4, size: 5, mtime: 1, xattrs: new Map([["security.capability", CAP]]) }, Buffer.from("hello")],
    [{ name: LONG, type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 2, linkname: `../${"x".repeat(150)}` }],
    [{ name: "dev/tty", type: "char", mode: 0o620, uid: 0, gid: 5, size: 0, mtime: 3, devmajor: 5, devminor: 300 }],
  ];

  it("round-trips names, types, ids, modes, devices and binary xattrs, whatever the chunking", () => {
    const data = archive(entries);
    for (const step of [data.length, 512, 100, 1]) {
      const read = readAll(data, step);
      expect(read.map((r) => [r.header.name, r.header.type])).toEqual([
        ["dir/", "dir"], ["dir/file", "file"], [LONG, "symlink"], ["dev/tty", "char"],
      ]);
      const file = read[1]!.header;
      expect([file.mode, file.uid, file.gid, file.mtime]).toEqual([0o4711, 3_000_000, 4, 1]);
      expect(read[1]!.content.toString()).toBe("hello");
      expect(Buffer.from(file.xattrs.get("security.capability")!)).toEqual(Buffer.from(CAP));
      expect(read[2]!.header.linkname).toBe(`../${"x".repeat(150)}`);
      expect([read[3]!.header.devmajor, read[3]!.header.devminor]).toEqual([5, 300]);
      expect(read[0]!.header.mode).toBe(0o2755);
    }
  });

  it("writes archives GNU tar reads, xattrs included", () => {
    const dir = mkdtempSync(`${tmpdir()}/berth-test-tarunit-`);
    try {
      const data = archive([entries[0]!, [{ ...entries[1]![0], xattrs: new Map([["user.k", Buffer.from("v")]]) }, entries[1]![1]], entries[2]!]);
      const listed = execFileSync("tar", ["-tvf", "-"], { input: data, encoding: "utf8" });
      expect(listed).toContain("dir/file");
      expect(listed).toContain(LONG);
      execFileSync("tar", ["--xattrs", "--xattrs-include=user.*", "-xf", "-", "-C", dir], { input: data });
      expect(readFileSync(`${dir}/dir/file`, "utf8")).toBe("hello");
      expect(Buffer.from(sys.lgetxattr(`${dir}/dir/file`, "user.k") ?? []).toString()).toBe("v");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads what GNU tar writes, long names included", () => {
    const dir = mkdtempSync(`${tmpdir()}/berth-test-tarunit-`);
    try {
      execFileSync("sh", ["-c", `mkdir -p "${dir}/src/$(printf 'n%.0s' $(seq 120))" && echo hi > "${dir}/src/$(printf 'n%.0s' $(seq 120))/f"`]);
      // GNU long-name entries and PAX path records: the two ways names over 100 bytes are stored.
      for (const format of ["gnu", "posix"]) {
        const data = execFileSync("tar", [`--format=${format}`, "-cf", "-", "-C", `${dir}/src`, "."]);
        const files = readAll(data, 333).filter((r) => r.header.type === "file");
        expect(files.map((r) => [r.header.name, r.content.toString()])).toEqual([[`./${"n".repeat(120)}/f`, "hi\n"]]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a corrupt header and a stream cut inside an entry", () => {
    const data = archive([entries[1]!]);
    const corrupt = Buffer.from(data);
    corrupt[10] = (corrupt[10] ?? 0) ^ 0xff;
    expect(() => readAll(corrupt)).toThrowError(TarFormatError);
    expect(() => readAll(data.subarray(0, 1024 + 100))).toThrowError(/ends inside an entry/);
  });
});

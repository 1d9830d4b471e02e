/**
 * Writing a container's DNS files. A new file is written atomically (temp + rename). An existing
 * one is rewritten in place — same inode — because the runtime bind-mounts it into the container,
 * and a rename would leave the mount showing the old file: the new content goes in with one
 * write, then the file is cut to its length.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { writeFileAtomic } from "../store/index.ts";

export function writeInPlace(path: string, content: string, mode = 0o644): void {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    writeFileAtomic(path, content, { mode, durable: false });
    return;
  }
  try {
    const buf = Buffer.from(content);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, off);
    ftruncateSync(fd, buf.length);
  } finally {
    closeSync(fd);
  }
}

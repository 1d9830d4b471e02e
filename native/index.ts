/**
 * native/ — the only door to the kernel beyond what Node and Bun offer.
 * Picks the backend for the running engine once, and turns -1/errno into SysError.
 */
import { readSync } from "node:fs";
import { SysError } from "./errno.ts";
import type { RawLibc } from "./raw.ts";
import type { Sys } from "./types.ts";

export * from "./types.ts";
export { SysError, errnoName, errnoNumber, hasErrno } from "./errno.ts";

const raw: RawLibc =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? (await import("./backend-bun.ts")).loadRaw()
    : (await import("./backend-koffi.ts")).loadRaw();

const encoder = new TextEncoder();

/** A NUL-terminated copy of a string, as C expects it. */
function cstr(s: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.byteLength(s) + 1);
  encoder.encodeInto(s, bytes);
  return bytes;
}

function check(ret: number, syscall: string, subject?: string): number {
  if (ret < 0) throw new SysError(syscall, raw.errno(), subject);
  return ret;
}

/** check() for calls that may be interrupted by a signal: retried on EINTR. */
function retrying(call: () => number, syscall: string, subject?: string): number {
  for (;;) {
    const ret = call();
    if (ret >= 0) return ret;
    const errno = raw.errno();
    if (errno !== 4) throw new SysError(syscall, errno, subject);
  }
}

const ENODATA = 61;
const ERANGE = 34;

/** lgetxattr/llistxattr: ask the size, then read; retried if the value grew in between. */
function readSized(call: (buf: Uint8Array | null, size: number) => number, syscall: string, subject: string): Uint8Array | null {
  for (;;) {
    const size = call(null, 0);
    if (size < 0) {
      const errno = raw.errno();
      if (errno === ENODATA) return null;
      throw new SysError(syscall, errno, subject);
    }
    const buf = new Uint8Array(Math.max(size, 1));
    const n = call(buf, buf.length);
    if (n >= 0) return buf.subarray(0, n);
    const errno = raw.errno();
    if (errno === ENODATA) return null;
    if (errno !== ERANGE) throw new SysError(syscall, errno, subject);
  }
}

/** The messages the kernel logged on a filesystem context (fsopen fd), e.g. "e overlay: ...". */
function contextLog(fd: number): string {
  const lines: string[] = [];
  const buf = Buffer.alloc(4096);
  for (let i = 0; i < 16; i++) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch {
      break; // ENODATA: the log is empty
    }
    if (n <= 0) break;
    lines.push(buf.toString("utf8", 0, n).replace(/\n$/, ""));
  }
  return lines.join("; ");
}

export const sys: Sys = {
  socket: (domain, type, protocol) => check(raw.socket(domain, type, protocol), "socket"),
  bind: (fd, addr) => void check(raw.bind(fd, addr, addr.length), "bind"),
  getsockname(fd, addr) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, addr.length, true);
    check(raw.getsockname(fd, addr, len), "getsockname");
    return new DataView(len.buffer).getUint32(0, true);
  },
  setsockopt: (fd, level, name, value) =>
    void check(raw.setsockopt(fd, level, name, value, value.length), "setsockopt"),
  sendto: (fd, buf, flags, addr) =>
    retrying(() => raw.sendto(fd, buf, buf.length, flags, addr, addr?.length ?? 0), "sendto"),
  recv: (fd, buf, flags) => retrying(() => raw.recv(fd, buf, buf.length, flags), "recv"),
  pollOne(fd, events, timeoutMs) {
    const pfd = new Uint8Array(8);
    const view = new DataView(pfd.buffer);
    view.setInt32(0, fd, true);
    view.setInt16(4, events, true);
    const n = retrying(() => raw.poll(pfd, 1, timeoutMs), "poll");
    return n === 0 ? 0 : view.getInt16(6, true);
  },
  open: (path, flags, mode = 0) => check(raw.open(cstr(path), flags, mode), "open", path),
  close: (fd) => void check(raw.close(fd), "close"),
  setns: (fd, nstype) => void check(raw.setns(fd, nstype), "setns"),
  unshare: (flags) => void check(raw.unshare(flags), "unshare"),
  mount: (source, target, fstype, flags, data) =>
    void check(
      raw.mount(
        source === null ? null : cstr(source),
        cstr(target),
        fstype === null ? null : cstr(fstype),
        flags,
        data === null ? null : cstr(data),
      ),
      "mount",
      target,
    ),
  umount2: (target, flags) => void check(raw.umount2(cstr(target), flags), "umount", target),
  flock: (fd, op) => void retrying(() => raw.flock(fd, op), "flock"),
  mknod: (path, mode, dev) => void check(raw.mknod(cstr(path), mode, dev), "mknod", path),
  lsetxattr: (path, name, value, flags) =>
    void check(raw.lsetxattr(cstr(path), cstr(name), value, value.length, flags), "lsetxattr", `${path} ${name}`),
  lgetxattr(path, name) {
    const p = cstr(path);
    const n = cstr(name);
    return readSized((buf, size) => raw.lgetxattr(p, n, buf, size), "lgetxattr", `${path} ${name}`);
  },
  llistxattr(path) {
    const p = cstr(path);
    const list = readSized((buf, size) => raw.llistxattr(p, buf, size), "llistxattr", path);
    if (list === null || list.length === 0) return [];
    return Buffer.from(list.buffer, list.byteOffset, list.length).toString("utf8").split("\0").filter(Boolean);
  },
  fsopen: (fsname, flags) => check(raw.fsopen(cstr(fsname), flags), "fsopen", fsname),
  fsconfig(fd, cmd, key, value, aux) {
    const ret = raw.fsconfig(fd, cmd, key === null ? null : cstr(key), value === null ? null : cstr(value), aux);
    if (ret >= 0) return;
    const err = new SysError("fsconfig", raw.errno(), key === null ? undefined : `${key}=${value ?? ""}`);
    const log = contextLog(fd);
    if (log !== "") err.message = `${err.message}: ${log}`;
    throw err;
  },
  fsmount: (fd, flags, attrFlags) => check(raw.fsmount(fd, flags, attrFlags), "fsmount"),
  moveMount: (fromDfd, fromPath, toDfd, toPath, flags) =>
    void check(raw.move_mount(fromDfd, cstr(fromPath), toDfd, cstr(toPath), flags), "move_mount", toPath),
  getpid: () => raw.getpid(),
  gettid: () => raw.gettid(),
  ioctl: (fd, request, arg, subject) => retrying(() => raw.ioctl(fd, request, arg), "ioctl", subject),
};

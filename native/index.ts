/**
 * native/ — the only door to the kernel beyond what Node and Bun offer.
 * Picks the backend for the running engine once, and turns -1/errno into SysError.
 */
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
  getpid: () => raw.getpid(),
  gettid: () => raw.gettid(),
};

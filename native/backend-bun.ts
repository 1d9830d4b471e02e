import { dlopen, FFIType, read } from "bun:ffi";
import { LIBC, type RawLibc } from "./raw.ts";

const { i32, u32, u64, i64_fast, ptr } = FFIType;

/** bun:ffi backend (used inside the compiled binary). */
export function loadRaw(): RawLibc {
  const { symbols: c } = dlopen(LIBC, {
    socket: { args: [i32, i32, i32], returns: i32 },
    bind: { args: [i32, ptr, u32], returns: i32 },
    getsockname: { args: [i32, ptr, ptr], returns: i32 },
    setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
    sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64_fast },
    recv: { args: [i32, ptr, u64, i32], returns: i64_fast },
    poll: { args: [ptr, u64, i32], returns: i32 },
    open: { args: [ptr, i32, u32], returns: i32 },
    close: { args: [i32], returns: i32 },
    setns: { args: [i32, i32], returns: i32 },
    unshare: { args: [i32], returns: i32 },
    mount: { args: [ptr, ptr, ptr, u64, ptr], returns: i32 },
    umount2: { args: [ptr, i32], returns: i32 },
    flock: { args: [i32, i32], returns: i32 },
    mknod: { args: [ptr, u32, u64], returns: i32 },
    lsetxattr: { args: [ptr, ptr, ptr, u64, i32], returns: i32 },
    lgetxattr: { args: [ptr, ptr, ptr, u64], returns: i64_fast },
    llistxattr: { args: [ptr, ptr, u64], returns: i64_fast },
    fsopen: { args: [ptr, u32], returns: i32 },
    fsconfig: { args: [i32, u32, ptr, ptr, i32], returns: i32 },
    fsmount: { args: [i32, u32, u32], returns: i32 },
    move_mount: { args: [i32, ptr, i32, ptr, u32], returns: i32 },
    getpid: { args: [], returns: i32 },
    gettid: { args: [], returns: i32 },
    ioctl: { args: [i32, u64, ptr], returns: i32 },
    __errno_location: { args: [], returns: ptr },
  });
  const errnoPtr = c.__errno_location();
  return {
    socket: (d, t, p) => c.socket(d, t, p),
    bind: (fd, a, l) => c.bind(fd, a, l),
    getsockname: (fd, a, l) => c.getsockname(fd, a, l),
    setsockopt: (fd, lv, n, v, l) => c.setsockopt(fd, lv, n, v, l),
    sendto: (fd, b, l, f, a, al) => Number(c.sendto(fd, b, l, f, a, al)),
    recv: (fd, b, l, f) => Number(c.recv(fd, b, l, f)),
    poll: (fds, n, t) => c.poll(fds, n, t),
    open: (p, f, m) => c.open(p, f, m),
    close: (fd) => c.close(fd),
    setns: (fd, t) => c.setns(fd, t),
    unshare: (f) => c.unshare(f),
    mount: (s, t, fs, f, d) => c.mount(s, t, fs, f, d),
    umount2: (t, f) => c.umount2(t, f),
    flock: (fd, op) => c.flock(fd, op),
    mknod: (p, m, d) => c.mknod(p, m, d),
    lsetxattr: (p, n, v, s, f) => c.lsetxattr(p, n, v, s, f),
    lgetxattr: (p, n, v, s) => Number(c.lgetxattr(p, n, v, s)),
    llistxattr: (p, l, s) => Number(c.llistxattr(p, l, s)),
    fsopen: (n, f) => c.fsopen(n, f),
    fsconfig: (fd, cmd, k, v, a) => c.fsconfig(fd, cmd, k, v, a),
    fsmount: (fd, f, a) => c.fsmount(fd, f, a),
    move_mount: (fd, fp, td, tp, f) => c.move_mount(fd, fp, td, tp, f),
    getpid: () => c.getpid(),
    gettid: () => c.gettid(),
    ioctl: (fd, r, a) => c.ioctl(fd, r, a),
    // The JS thread never changes, so the thread's errno location is fixed.
    errno: () => (errnoPtr === null ? 0 : read.i32(errnoPtr, 0)),
  };
}

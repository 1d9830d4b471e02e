import koffi from "koffi";
import { LIBC, type RawLibc } from "./raw.ts";

/** koffi backend (used under Node, e.g. by vitest). */
export function loadRaw(): RawLibc {
  const lib = koffi.load(LIBC);
  const f = (sig: string) => lib.func(sig) as (...args: unknown[]) => number;
  const socket = f("int socket(int, int, int)");
  const bind = f("int bind(int, void *, uint32_t)");
  const getsockname = f("int getsockname(int, void *, void *)");
  const setsockopt = f("int setsockopt(int, int, int, void *, uint32_t)");
  const sendto = f("intptr_t sendto(int, void *, uintptr_t, int, void *, uint32_t)");
  const recv = f("intptr_t recv(int, void *, uintptr_t, int)");
  const poll = f("int poll(void *, uintptr_t, int)");
  const open = f("int open(void *, int, uint32_t)");
  const close = f("int close(int)");
  const setns = f("int setns(int, int)");
  const unshare = f("int unshare(int)");
  const mount = f("int mount(void *, void *, void *, unsigned long, void *)");
  const umount2 = f("int umount2(void *, int)");
  const flock = f("int flock(int, int)");
  const mknod = f("int mknod(void *, uint32_t, uint64_t)");
  const lsetxattr = f("int lsetxattr(void *, void *, void *, uintptr_t, int)");
  const lgetxattr = f("intptr_t lgetxattr(void *, void *, void *, uintptr_t)");
  const llistxattr = f("intptr_t llistxattr(void *, void *, uintptr_t)");
  const fsopen = f("int fsopen(void *, uint32_t)");
  const fsconfig = f("int fsconfig(int, uint32_t, void *, void *, int)");
  const fsmount = f("int fsmount(int, uint32_t, uint32_t)");
  const moveMount = f("int move_mount(int, void *, int, void *, uint32_t)");
  const getpid = f("int getpid()");
  const gettid = f("int gettid()");
  // Variadic in C; every request berth makes passes one pointer, which x86-64 and arm64 pass alike.
  const ioctl = f("int ioctl(int, unsigned long, void *)");
  return {
    socket: (d, t, p) => socket(d, t, p),
    bind: (fd, a, l) => bind(fd, a, l),
    getsockname: (fd, a, l) => getsockname(fd, a, l),
    setsockopt: (fd, lv, n, v, l) => setsockopt(fd, lv, n, v, l),
    sendto: (fd, b, l, fl, a, al) => Number(sendto(fd, b, l, fl, a, al)),
    recv: (fd, b, l, fl) => Number(recv(fd, b, l, fl)),
    poll: (fds, n, t) => poll(fds, n, t),
    open: (p, fl, m) => open(p, fl, m),
    close: (fd) => close(fd),
    setns: (fd, t) => setns(fd, t),
    unshare: (fl) => unshare(fl),
    mount: (s, t, fs, fl, d) => mount(s, t, fs, fl, d),
    umount2: (t, fl) => umount2(t, fl),
    flock: (fd, op) => flock(fd, op),
    mknod: (p, m, d) => mknod(p, m, d),
    lsetxattr: (p, n, v, s, fl) => lsetxattr(p, n, v, s, fl),
    lgetxattr: (p, n, v, s) => Number(lgetxattr(p, n, v, s)),
    llistxattr: (p, l, s) => Number(llistxattr(p, l, s)),
    fsopen: (n, fl) => fsopen(n, fl),
    fsconfig: (fd, c, k, v, a) => fsconfig(fd, c, k, v, a),
    fsmount: (fd, fl, a) => fsmount(fd, fl, a),
    move_mount: (fd, fp, td, tp, fl) => moveMount(fd, fp, td, tp, fl),
    getpid: () => getpid(),
    gettid: () => gettid(),
    ioctl: (fd, r, a) => ioctl(fd, r, a),
    errno: () => koffi.errno(),
  };
}

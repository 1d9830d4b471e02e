/**
 * The raw libc surface a backend binds: C signatures, -1 on failure, errno read right after.
 * Strings cross as NUL-terminated byte arrays so both backends pass them the same way.
 */
export interface RawLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, lenp: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array | null, alen: number): number;
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  poll(fds: Uint8Array, nfds: number, timeout: number): number;
  open(path: Uint8Array, flags: number, mode: number): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  mount(src: Uint8Array | null, target: Uint8Array, fstype: Uint8Array | null, flags: number, data: Uint8Array | null): number;
  umount2(target: Uint8Array, flags: number): number;
  flock(fd: number, op: number): number;
  mknod(path: Uint8Array, mode: number, dev: number): number;
  lsetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array, size: number, flags: number): number;
  lgetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array | null, size: number): number;
  llistxattr(path: Uint8Array, list: Uint8Array | null, size: number): number;
  fsopen(fsname: Uint8Array, flags: number): number;
  fsconfig(fd: number, cmd: number, key: Uint8Array | null, value: Uint8Array | null, aux: number): number;
  fsmount(fd: number, flags: number, attrFlags: number): number;
  move_mount(fromDfd: number, fromPath: Uint8Array, toDfd: number, toPath: Uint8Array, flags: number): number;
  getpid(): number;
  gettid(): number;
  /** ioctl(2) with a pointer argument (every request berth makes takes one). */
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
}

/** The libc both backends load. */
export const LIBC = "libc.so.6";

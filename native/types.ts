/**
 * The syscalls berth needs beyond what Node and Bun offer. Every call is synchronous and
 * throws a {@link SysError} on failure; buffers are passed by pointer, never copied.
 * Two backends implement it: bun:ffi under Bun (the compiled binary) and koffi under Node.
 */
export interface Sys {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array): void;
  getsockname(fd: number, addr: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  /** sendto(2); `addr` may be null for a connected or netlink-kernel destination. */
  sendto(fd: number, buf: Uint8Array, flags: number, addr: Uint8Array | null): number;
  /** recv(2) into `buf`; returns the byte count (MSG_TRUNC makes it the real datagram size). */
  recv(fd: number, buf: Uint8Array, flags: number): number;
  /** poll(2) a single fd; returns revents (0 on timeout). */
  pollOne(fd: number, events: number, timeoutMs: number): number;
  open(path: string, flags: number, mode?: number): number;
  close(fd: number): void;
  setns(fd: number, nstype: number): void;
  unshare(flags: number): void;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  flock(fd: number, op: number): void;
  /** mknod(2): `mode` carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions. */
  mknod(path: string, mode: number, dev: number): void;
  /** lsetxattr(2): set an extended attribute without following a final symlink. */
  lsetxattr(path: string, name: string, value: Uint8Array, flags: number): void;
  /** lgetxattr(2): the attribute's value, or null when the file lacks it (ENODATA). */
  lgetxattr(path: string, name: string): Uint8Array | null;
  /** llistxattr(2): the names of the file's extended attributes. */
  llistxattr(path: string): string[];
  /** fsopen(2): a filesystem context fd for the new mount API. */
  fsopen(fsname: string, flags: number): number;
  /** fsconfig(2); on failure the SysError carries the kernel's message from the context's log. */
  fsconfig(fd: number, cmd: number, key: string | null, value: string | null, aux: number): void;
  /** fsmount(2): a detached mount fd from a created filesystem context. */
  fsmount(fd: number, flags: number, attrFlags: number): number;
  /** move_mount(2). */
  moveMount(fromDfd: number, fromPath: string, toDfd: number, toPath: string, flags: number): void;
  getpid(): number;
  gettid(): number;
  /** ioctl(2) whose argument is a buffer the kernel reads or fills; `subject` names the object in errors. */
  ioctl(fd: number, request: number, arg: Uint8Array, subject?: string): number;
}

export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const SOCK_NONBLOCK = 0o4000;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_RCVTIMEO = 20;
/** Like SO_SNDBUF/SO_RCVBUF, past net.core.wmem_max/rmem_max (needs CAP_NET_ADMIN). */
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const NETLINK_ROUTE = 0;
export const NETLINK_NETFILTER = 12;
export const MSG_PEEK = 2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const POLLIN = 1;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_CLOEXEC = 0o2000000;

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWNET = 0x40000000;

export const MS_RDONLY = 1;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
/** makedev(3) for the Linux dev_t encoding (exact for majors below 4096). */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + Math.floor(minor / 256) * 2 ** 20;
}
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export const AT_FDCWD = -100;
export const FSOPEN_CLOEXEC = 1;
export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_CMD_CREATE = 6;
export const FSMOUNT_CLOEXEC = 1;
export const MOVE_MOUNT_F_EMPTY_PATH = 4;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** Terminal ioctls (asm-generic values, shared by x86-64 and arm64). */
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
/** Lock (non-zero int) or unlock (0) a pseudo-terminal's slave. */
export const TIOCSPTLCK = 0x40045431;
/** The number N of a pseudo-terminal's slave, /dev/pts/N. */
export const TIOCGPTN = 0x80045430;

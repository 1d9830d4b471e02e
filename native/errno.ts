/** errno numbers (x86_64/aarch64 Linux) mapped to their names, once, for the whole stack. */
const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 9: "EBADF",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV",
  19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 28: "ENOSPC",
  30: "EROFS", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY", 61: "ENODATA",
  71: "EPROTO", 75: "EOVERFLOW", 90: "EMSGSIZE", 93: "EPROTONOSUPPORT", 95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH",
  105: "ENOBUFS", 110: "ETIMEDOUT", 111: "ECONNREFUSED", 113: "EHOSTUNREACH", 114: "EALREADY",
  115: "EINPROGRESS", 125: "ECANCELED",
};

const DESCRIPTIONS: Record<string, string> = {
  EPERM: "operation not permitted", ENOENT: "no such file or directory", ESRCH: "no such process",
  EINTR: "interrupted", EBADF: "bad file descriptor", EAGAIN: "resource temporarily unavailable",
  ENOMEM: "out of memory", EACCES: "permission denied", EBUSY: "device or resource busy",
  EEXIST: "file exists", ENODEV: "no such device", EINVAL: "invalid argument", ENOSPC: "no space left",
  ERANGE: "result out of range", ENOTSUP: "not supported", EOPNOTSUPP: "operation not supported",
  EAFNOSUPPORT: "address family not supported", EADDRINUSE: "address in use",
  EADDRNOTAVAIL: "address not available", ENETUNREACH: "network unreachable", ENOBUFS: "no buffer space",
  ETIMEDOUT: "timed out", EHOSTUNREACH: "host unreachable", EPROTONOSUPPORT: "protocol not supported",
  EMSGSIZE: "message too long", ENOTDIR: "not a directory", ENOTEMPTY: "directory not empty",
  ENOTTY: "not a terminal",
};

/** The symbolic name of an errno value, e.g. 17 → "EEXIST" (unknown values → "E<n>"). */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}

/** The number of an errno name, e.g. "ENODEV" → 19. */
export function errnoNumber(name: string): number | undefined {
  for (const [num, n] of Object.entries(NAMES)) if (n === name) return Number(num);
  return undefined;
}

/** A failed syscall: carries the syscall, the errno and its name in `code`. */
export class SysError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  constructor(syscall: string, errno: number, subject?: string) {
    const code = errnoName(errno);
    const what = subject === undefined ? syscall : `${syscall} ${JSON.stringify(subject)}`;
    super(`Cannot ${what}: ${code} (${DESCRIPTIONS[code] ?? "system error"})`);
    this.name = "SysError";
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

/** True when `err` is a SysError (or NetlinkError-like object) with the given errno name. */
export function hasErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

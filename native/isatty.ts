/**
 * isatty(3) on its own, so a caller that needs only this (the VERSION fast path, which must not
 * block reading a terminal) does not pay for the whole syscall table: one bun:ffi symbol under
 * Bun, node:tty under Node.
 */
export async function isatty(fd: number): Promise<boolean> {
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
    const { dlopen, FFIType } = await import("bun:ffi");
    const { symbols } = dlopen("libc.so.6", { isatty: { args: [FFIType.i32], returns: FFIType.i32 } });
    return symbols.isatty(fd) === 1;
  }
  const tty = await import("node:tty");
  return tty.isatty(fd);
}

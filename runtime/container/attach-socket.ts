/**
 * Where a container's attach socket lives (and the file its monitor writes the exit status to
 * for attached clients), and how to reach it when its path is too long for a
 * unix socket address (sockaddr_un holds 107 bytes; `<root>/containers/<64 hex>/attach.sock`
 * passes that under a deep root): through `/proc/self/fd/N/attach.sock`, N an fd of its
 * directory, as conmon does.
 */
import { closeSync, openSync } from "node:fs";
import { basename, dirname } from "node:path";

export const attachSocketPath = (containerDir: string): string => `${containerDir}/attach.sock`;

/**
 * `{"exitCode":N,"oomKilled":B}`, written in place (never renamed) before the monitor ends its
 * clients: a client holding it open reads it even when --rm has removed the directory since.
 */
export const attachExitPath = (containerDir: string): string => `${containerDir}/attach.exit`;

const SUN_PATH_MAX = 107;

/** Run `use` with an address for `path` that fits a socket address; the directory fd it may open is closed after. */
export async function withSocketAddress<T>(path: string, use: (address: string) => Promise<T>): Promise<T> {
  if (Buffer.byteLength(path) <= SUN_PATH_MAX) return use(path);
  let dirFd: number;
  try {
    dirFd = openSync(dirname(path), "r");
  } catch (err) {
    throw new Error(`cannot open the directory of socket ${path}`, { cause: err });
  }
  try {
    return await use(`/proc/self/fd/${dirFd}/${basename(path)}`);
  } finally {
    closeSync(dirFd);
  }
}

/** Reading a plugin's stdin: once, fully, and never blocking on a terminal. */
import { fstatSync, readFileSync } from "node:fs";

/** All of stdin; empty when it is closed, unreadable or a terminal (someone typing VERSION by hand). */
export function readStdinOnce(): () => Uint8Array {
  let bytes: Uint8Array | undefined;
  return () => {
    if (bytes === undefined) {
      try {
        bytes = fstatSync(0).isCharacterDevice() ? new Uint8Array(0) : readFileSync(0);
      } catch {
        bytes = new Uint8Array(0);
      }
    }
    return bytes;
  };
}

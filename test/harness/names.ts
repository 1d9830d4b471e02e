/** Unique, short names for namespaces and links made by tests (≤ 15 bytes, IFNAMSIZ-safe). */
let counter = 0;

/** Every name a test makes starts with this, so the leak check can tell test objects apart. */
export const TEST_PREFIX = "bt";

/** This process's part of every name it makes (3 base-36 digits of the pid). */
export const PROCESS_TAG = (process.pid % 46656).toString(36).padStart(3, "0");

export function uniqueName(prefix = "x"): string {
  counter += 1;
  const tag = `${PROCESS_TAG}${counter.toString(36)}`;
  const name = `${TEST_PREFIX}${prefix}${tag}`;
  if (Buffer.byteLength(name) > 15) {
    throw new Error(`Test name ${JSON.stringify(name)} is longer than 15 bytes: use a shorter prefix`);
  }
  return name;
}

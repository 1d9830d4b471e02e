/**
 * IPAM errors carry the CNI error code the caller should report (spec §5), so the plugin
 * edge can turn them into a CNI error object without matching on message text.
 */

/** CNI error codes used by the IPAM plugins. 100 and up are berth-specific. */
export const IpamCode = {
  /** I/O failure (state directory not writable, resolv.conf unreadable). */
  ioFailure: 5,
  /** Semantic validation of the network configuration failed. */
  invalidConfig: 7,
  /** Transient: the state lock is held too long by another process. */
  tryAgainLater: 11,
  /** STATUS: the plugin cannot serve ADD (pool exhausted). */
  unavailable: 50,
  /** ADD: no free address, or the requested address is taken. */
  addressUnavailable: 100,
  /** CHECK: the attachment's reservation is missing or differs. */
  checkFailed: 101,
} as const;

export class IpamError extends Error {
  readonly code: number;
  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IpamError";
    this.code = code;
  }
}

/** Invalid network configuration (CNI code 7). */
export class IpamConfigError extends IpamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(IpamCode.invalidConfig, message, options);
    this.name = "IpamConfigError";
  }
}

/**
 * One error shape for the netlink stack: what was being done (`op`), the kernel's errno and
 * its name, and the extended-ack text when the kernel gave one.
 */
import { SysError, errnoName } from "../../../native/errno.ts";

/** The short description of an errno ("file exists"), as SysError words it. */
function describeErrno(errno: number): string {
  const words = /\(([^()]*)\)$/.exec(new SysError("", errno).message);
  return words?.[1] ?? "system error";
}

export interface NetlinkErrorOptions {
  /** The kernel's extended-ack message (NLMSGERR_ATTR_MSG). */
  extack?: string;
  /** Offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  extackOffset?: number;
  /** Type of a missing required attribute (NLMSGERR_ATTR_MISS_TYPE). */
  missingAttr?: number;
  /** Extra words for the message when there is no extack (e.g. a timeout's length). */
  detail?: string;
  cause?: unknown;
}

/**
 * A request the kernel refused (or could not answer). The message reads like
 * `Cannot add link "veth0": EEXIST (file exists): <extack>`.
 */
export class NetlinkError extends Error {
  /** What was attempted, e.g. `add link "veth0"`. */
  readonly op: string;
  readonly errno: number;
  /** The errno's name, e.g. "EEXIST" (works with native's hasErrno). */
  readonly code: string;
  readonly extack: string | undefined;
  readonly extackOffset: number | undefined;
  readonly missingAttr: number | undefined;

  constructor(op: string, errno: number, options: NetlinkErrorOptions = {}) {
    const code = errnoName(errno);
    const more = options.extack ?? options.detail;
    super(`Cannot ${op}: ${code} (${describeErrno(errno)})${more ? `: ${more}` : ""}`, { cause: options.cause });
    this.name = "NetlinkError";
    this.op = op;
    this.errno = errno;
    this.code = code;
    this.extack = options.extack;
    this.extackOffset = options.extackOffset;
    this.missingAttr = options.missingAttr;
  }
}

/** Bytes that do not follow the netlink layout (a truncated header or attribute). */
export class NetlinkParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetlinkParseError";
  }
}

/**
 * Errors of the object layer. Everything the kernel refuses is a NetlinkError (from the wire
 * layer); a lookup of a link that does not exist is a LinkNotFoundError, which is a
 * NetlinkError with code ENODEV, so both `instanceof` and `hasErrno(err, "ENODEV")` work.
 */
import { NetlinkError } from "./wire/index.ts";

/** ENODEV */
const ENODEV = 19;

/** How a link reference reads in a message: `"eth0"` or `with index 7`. */
export function describeLinkRef(ref: string | number | { readonly index: number; readonly name?: string }): string {
  if (typeof ref === "string") return JSON.stringify(ref);
  if (typeof ref === "number") return `with index ${ref}`;
  return ref.name !== undefined ? JSON.stringify(ref.name) : `with index ${ref.index}`;
}

/** A link looked up by name or index is not there. */
export class LinkNotFoundError extends NetlinkError {
  /** The name or index that was looked for. */
  readonly link: string | number;

  constructor(link: string | number, op = `find link ${describeLinkRef(link)}`, options: { cause?: unknown } = {}) {
    super(op, ENODEV, options);
    this.name = "LinkNotFoundError";
    this.link = link;
  }
}

/** True for a NetlinkError with this errno name (e.g. "EEXIST"). */
export function isNetlinkError(err: unknown, code?: string): err is NetlinkError {
  return err instanceof NetlinkError && (code === undefined || err.code === code);
}

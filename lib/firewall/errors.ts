/** Errors of berth's firewall layer: they name the object and, where known, its owner. */
export class FirewallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FirewallError";
  }
}

/** A host port another attachment already publishes. */
export class PortConflictError extends FirewallError {
  readonly owner: string;
  constructor(message: string, owner: string) {
    super(message);
    this.name = "PortConflictError";
    this.owner = owner;
  }
}

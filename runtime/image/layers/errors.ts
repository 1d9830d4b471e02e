/**
 * Errors of layer handling. Every one names the layer (its diff ID, or the caller's label) and,
 * where one is at fault, the archive entry, so a bad image can be found from the message alone.
 */

/** Something about one layer as a whole: a digest mismatch, a truncated or unreadable stream. */
export class LayerError extends Error {
  readonly layer: string;
  constructor(layer: string, message: string, options?: { cause?: unknown }) {
    super(`layer ${layer}: ${message}`, options);
    this.name = "LayerError";
    this.layer = layer;
  }
}

/** One archive entry refused or failed: escapes the root, device not allowed, write failed... */
export class LayerEntryError extends LayerError {
  readonly entry: string;
  constructor(layer: string, entry: string, message: string, options?: { cause?: unknown }) {
    super(layer, `entry ${JSON.stringify(entry)} ${message}`, options);
    this.name = "LayerEntryError";
    this.entry = entry;
  }
}

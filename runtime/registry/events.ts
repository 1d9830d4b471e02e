/**
 * What pull and push report while they work, for a progress display (progress.ts) or a log.
 * The client only emits these; it never writes anywhere itself.
 */

/** What a blob is to the image: the renderer shows layers, like docker. */
export type BlobRole = "manifest" | "config" | "layer";

export type TransferEvent =
  /** The manifest is known: these blobs will be transferred or found present. */
  | { type: "resolved"; digest: string; blobs: { digest: string; size: number; role: BlobRole }[] }
  /** The destination already has the blob (pull: in the store; push: in the registry). */
  | { type: "exists"; digest: string; size: number; role: BlobRole }
  /** Push: the registry linked the blob from another repository instead of receiving it. */
  | { type: "mounted"; digest: string; size: number; role: BlobRole; from: string }
  | { type: "start"; digest: string; size: number; role: BlobRole }
  | { type: "progress"; digest: string; size: number; role: BlobRole; done: number }
  /** The blob is transferred, verified and stored. */
  | { type: "done"; digest: string; size: number; role: BlobRole };

export type EventListener = (event: TransferEvent) => void;

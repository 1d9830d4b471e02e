/**
 * What pull and push share around their work: the reference normalised (default tag), one abort
 * controller following the caller's signal, and every failure wrapped as a RegistryError naming
 * the operation and the image.
 */
import { formatReference, parseReference, withDefaultTag, type ImageReference } from "../image/reference.ts";
import { AbortedError, RegistryError } from "./errors.ts";

export async function registryOperation<T>(
  op: "pull" | "push",
  reference: string | ImageReference,
  signal: AbortSignal | undefined,
  work: (ref: ImageReference, stop: AbortController) => Promise<T>,
): Promise<T> {
  const ref = withDefaultTag(typeof reference === "string" ? parseReference(reference) : reference);
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    return await work(ref, stop);
  } catch (err) {
    throw new RegistryError(op, formatReference(ref), err);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

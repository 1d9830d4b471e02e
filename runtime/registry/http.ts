/**
 * One HTTP exchange with a registry over global fetch (Node 20 and Bun), streaming both ways.
 * Every request has a timeout that is re-armed whenever bytes move (so a 2 GB layer on a slow
 * link is fine, a stalled one is not); the caller's AbortSignal cancels it. Redirects are
 * followed by hand for GET and HEAD so each hop passes the transport policy and the
 * Authorization header is never sent to another origin.
 */
import { AbortedError } from "./errors.ts";
import { checkTransport } from "./transport.ts";

export const DEFAULT_TIMEOUT_MS = 30_000;
const REDIRECTS_MAX = 10;

export interface HttpOptions {
  insecureRegistries: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Bytes, or a function giving the body's chunks (called once). */
  body?: Uint8Array | (() => AsyncIterable<Uint8Array>);
}

/** A network failure or timeout, naming the request (never its query, which may hold upload state). */
export class TransportError extends Error {
  readonly url: string;
  constructor(message: string, url: URL, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
    this.url = `${url.origin}${url.pathname}`;
  }
}

function describe(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

function rootCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 5; depth++) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** An abort controller for one request: a timeout re-armed on activity, tied to the caller's signal. */
class Watchdog {
  readonly controller = new AbortController();
  timedOut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #ms: number;
  readonly #parent: AbortSignal | undefined;
  readonly #onParent = () => this.controller.abort();

  constructor(ms: number, parent: AbortSignal | undefined) {
    this.#ms = ms;
    this.#parent = parent;
    parent?.addEventListener("abort", this.#onParent, { once: true });
    this.kick();
  }

  kick(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.#ms);
    // A body nobody reads must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  done(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#parent?.removeEventListener("abort", this.#onParent);
  }
}

/** An answer whose body is read (or dropped) through these methods, under the same watchdog. */
export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** The URL that answered (after redirects). */
  readonly url: URL;
  readonly #response: Response;
  readonly #watchdog: Watchdog;
  readonly #fail: (err: unknown) => Error;

  constructor(response: Response, url: URL, watchdog: Watchdog, fail: (err: unknown) => Error) {
    this.status = response.status;
    this.statusText = response.statusText;
    this.headers = response.headers;
    this.url = url;
    this.#response = response;
    this.#watchdog = watchdog;
    this.#fail = fail;
  }

  get raw(): Response {
    return this.#response;
  }

  /** The body's chunks; the timeout is re-armed on each one. */
  async *body(): AsyncGenerator<Uint8Array> {
    const stream = this.#response.body;
    if (stream === null) {
      this.#watchdog.done();
      return;
    }
    const reader = stream.getReader();
    try {
      for (;;) {
        this.#watchdog.kick();
        let next: { done: true; value?: undefined } | { done: false; value: Uint8Array };
        try {
          next = await reader.read();
        } catch (err) {
          throw this.#fail(err);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      this.#watchdog.done();
      reader.cancel().catch(() => undefined);
    }
  }

  /** The whole body, refused past `max` bytes. */
  async bytes(max: number): Promise<Uint8Array> {
    const declared = Number(this.headers.get("content-length") ?? "NaN");
    if (declared > max) {
      await this.discard();
      throw new Error(`answer of ${declared} bytes is larger than the ${max} allowed`);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.body()) {
      total += chunk.length;
      if (total > max) throw new Error(`answer is larger than the ${max} bytes allowed`);
      parts.push(chunk);
    }
    return Buffer.concat(parts, total);
  }

  async text(max = 1 << 20): Promise<string> {
    return new TextDecoder().decode(await this.bytes(max));
  }

  /** Drop the body (lets the connection be reused). */
  async discard(): Promise<void> {
    try {
      await this.#response.body?.cancel();
    } catch {
      // already closed
    }
    this.#watchdog.done();
  }
}

function streamOf(chunks: () => AsyncIterable<Uint8Array>, watchdog: Watchdog): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= chunks()[Symbol.asyncIterator]();
      const next = await iterator.next();
      watchdog.kick();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator?.return?.();
    },
  });
}

/** Send one request; follows redirects for GET and HEAD. Any status is returned, not thrown. */
export async function send(request: HttpRequest, options: HttpOptions): Promise<HttpResponse> {
  let url = request.url;
  const headers: Record<string, string> = { ...request.headers };
  const follow = request.method === "GET" || request.method === "HEAD";
  for (let hop = 0; ; hop++) {
    checkTransport(url, options.insecureRegistries, hop === 0 ? describe(request.method, url) : `redirect to ${describe(request.method, url)}`);
    if (options.signal?.aborted) throw new AbortedError({ cause: options.signal.reason });
    const watchdog = new Watchdog(options.timeoutMs, options.signal);
    const current = url;
    const fail = (err: unknown): Error => {
      watchdog.done();
      if (options.signal?.aborted) return new AbortedError({ cause: err });
      if (watchdog.timedOut) {
        return new TransportError(`no answer from ${current.host} within ${options.timeoutMs / 1000} s (${describe(request.method, current)})`, current, { cause: err });
      }
      return new TransportError(`cannot reach ${current.host} (${describe(request.method, current)}): ${rootCause(err)}`, current, { cause: err });
    };
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers,
      redirect: "manual",
      signal: watchdog.controller.signal,
    };
    if (request.body instanceof Uint8Array) init.body = request.body;
    else if (request.body !== undefined) {
      init.body = streamOf(request.body, watchdog);
      init.duplex = "half";
    }
    let response: Response;
    try {
      response = await fetch(current, init);
    } catch (err) {
      throw fail(err);
    }
    const location = response.headers.get("location");
    if (follow && response.status >= 300 && response.status < 400 && response.status !== 304 && location !== null) {
      await response.body?.cancel().catch(() => undefined);
      watchdog.done();
      if (hop >= REDIRECTS_MAX) throw new TransportError(`more than ${REDIRECTS_MAX} redirects (${describe(request.method, request.url)})`, request.url);
      url = new URL(location, current);
      if (url.origin !== current.origin) delete headers.authorization;
      continue;
    }
    return new HttpResponse(response, current, watchdog, fail);
  }
}

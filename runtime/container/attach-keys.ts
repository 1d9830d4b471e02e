/**
 * The key sequence that detaches an attached client and leaves the container running, in
 * docker's `--detach-keys` notation: comma-separated keys, each a single character or `ctrl-X`
 * with X one of a-z, @, [, \, ], ^, _ (ctrl-a is byte 1 ... ctrl-z 26, ctrl-@ 0, ctrl-[ 27,
 * ctrl-\ 28, ctrl-] 29, ctrl-^ 30, ctrl-_ 31). The default is ctrl-p,ctrl-q; an empty string
 * turns detaching off.
 */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

const CTRL_SYMBOLS = "@[\\]^_";

export function parseDetachKeys(spec: string): Uint8Array {
  if (spec === "") return new Uint8Array(0);
  const bytes = spec.split(",").map((key) => {
    const bad = (why: string) => new Error(`invalid detach keys "${spec}": ${JSON.stringify(key)} ${why}; use keys like ctrl-p,ctrl-q or ctrl-a,x`);
    if (key.toLowerCase().startsWith("ctrl-")) {
      const k = key.slice(5).toLowerCase();
      if (k.length !== 1) throw bad("names no single key after ctrl-");
      if (k >= "a" && k <= "z") return k.charCodeAt(0) - 96;
      const at = CTRL_SYMBOLS.indexOf(k);
      if (at < 0) throw bad("is not a control key (ctrl- takes a-z, @, [, \\, ], ^ or _)");
      return at === 0 ? 0 : 26 + at;
    }
    if (key.length !== 1 || key.charCodeAt(0) > 0x7f) throw bad("is not a single ASCII character");
    return key.charCodeAt(0);
  });
  return Uint8Array.from(bytes);
}

/**
 * Watches input for the detach sequence. Bytes that could be the start of it are held back until
 * the sequence completes (then they are swallowed) or breaks (then they are passed on, in order).
 */
export class DetachScanner {
  readonly #keys: Uint8Array;
  #held: number[] = [];

  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  /** What to pass on from `chunk`, and whether the sequence completed (input after it is dropped). */
  scan(chunk: Uint8Array): { forward: Uint8Array; detached: boolean } {
    if (this.#keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      this.#held.push(byte);
      // Drop from the front until what is held is again a prefix of the sequence.
      while (this.#held.length > 0 && !this.#isPrefix()) out.push(this.#held.shift() as number);
      if (this.#held.length === this.#keys.length) {
        this.#held = [];
        return { forward: Uint8Array.from(out), detached: true };
      }
    }
    return { forward: Uint8Array.from(out), detached: false };
  }

  /** Bytes still held back when input ends: they were never a detach, so they belong to the container. */
  flush(): Uint8Array {
    const rest = Uint8Array.from(this.#held);
    this.#held = [];
    return rest;
  }

  #isPrefix(): boolean {
    return this.#held.every((b, i) => this.#keys[i] === b);
  }
}

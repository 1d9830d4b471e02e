/**
 * An explicit undo stack for ADD: each step that changes something pushes how to take it back;
 * on failure the steps are undone in reverse, every one attempted, failures logged (the original
 * error is what the caller reports). commit() drops the stack once ADD has succeeded.
 */
import type { Logger } from "../../lib/cni/index.ts";

export class Undo {
  #steps: { what: string; run: () => unknown }[] = [];
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  push(what: string, run: () => unknown): void {
    this.#steps.push({ what, run });
  }

  commit(): void {
    this.#steps = [];
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, `Cleanup after a failed ADD could not ${step.what}`);
      }
    }
  }
}

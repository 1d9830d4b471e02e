/**
 * One plugin call's work on iptables: the live ruleset of each family it touches is saved once,
 * changes are planned against it (ruleset.ts) and go in as one `iptables-restore --noflush` per
 * family. When a restore is refused (someone changed the rules between save and restore), the
 * ruleset is saved again and the same changes planned anew, once.
 */
import type { NftElement } from "../nft/values.ts";
import { FirewallError } from "../errors.ts";
import type { ElementWriter } from "../ownership.ts";
import { childProcess } from "../nft/exec.ts";
import { type IptablesDetection, ipv6Command } from "./detect.ts";
import { Batch, type Ruleset, parseSave } from "./ruleset.ts";
import { type Families, type Family, commentId, elementRules } from "./rules.ts";

/** Runs the flavour's save and restore (tests give a fake). */
export interface IptablesRunner {
  save(family: Family): string;
  restore(family: Family, input: string): void;
}

export function commandRunner(found: IptablesDetection): IptablesRunner {
  if (!found.available || found.save === undefined || found.restore === undefined) throw new FirewallError(`iptables cannot be used here: ${found.reason}`);
  const { save, restore } = found;
  const command = (family: Family, name: string) => (family === 4 ? name : ipv6Command(name));
  const run = (cmd: string, args: string[], input?: string) => {
    const out = childProcess().spawnSync(cmd, args, { input, encoding: "utf8", timeout: 30_000 });
    if (out.error) throw new FirewallError(`Cannot run ${cmd}: ${out.error.message}`, { cause: out.error });
    if (out.status !== 0) throw new FirewallError(`${cmd} refused berth's rules: ${out.stderr.trim() || `exit status ${out.status}`}`);
    return out.stdout;
  };
  return {
    save: (family) => run(command(family, save), []),
    // -w: wait for the xtables lock other tools hold (legacy flavour).
    restore: (family, input) => void run(command(family, restore), ["--noflush", "-w", "10"], input),
  };
}

type Op = (batch: Batch) => void;

export class IptablesSession {
  readonly runner: IptablesRunner;
  readonly ifaceFamilies: Families;
  readonly #live = new Map<Family, Ruleset>();
  readonly #ops = new Map<Family, Op[]>();

  constructor(runner: IptablesRunner, ifaceFamilies: Families) {
    this.runner = runner;
    this.ifaceFamilies = ifaceFamilies;
  }

  /** The family's live ruleset (saved once per session, then kept up to date with what it applied). */
  live(family: Family): Ruleset {
    let r = this.#live.get(family);
    if (r === undefined) {
      r = parseSave(this.runner.save(family));
      this.#live.set(family, r);
    }
    return r;
  }

  /** Queue a change to one family's ruleset. */
  queue(family: Family, op: Op): void {
    this.#ops.set(family, [...(this.#ops.get(family) ?? []), op]);
  }

  /** Apply everything queued: one restore per family; a refused one is planned again on a fresh save, once. */
  run(): void {
    for (const [family, ops] of [...this.#ops]) {
      this.#ops.delete(family);
      const plan = (live: Ruleset) => {
        const batch = new Batch(live);
        for (const op of ops) op(batch);
        return batch;
      };
      let batch = plan(this.live(family));
      if (batch.empty) continue;
      try {
        this.runner.restore(family, batch.text());
      } catch (first) {
        this.#live.set(family, parseSave(this.runner.save(family)));
        batch = plan(this.live(family));
        if (batch.empty) continue;
        try {
          this.runner.restore(family, batch.text());
        } catch (err) {
          throw new FirewallError(`${(err as Error).message} (IPv${family}; the first attempt: ${(first as Error).message})`, { cause: err });
        }
      }
      this.#live.set(family, batch.view);
    }
  }
}

/**
 * The ElementWriter of the iptables backend: each element is a rule per family, added unless a
 * rule with its comment is there and deleted by its saved spec when present. Applies at once
 * (with whatever chains the call queued before), so the ownership store's order holds: the
 * record is written before the kernel changes.
 */
export class IptablesElementWriter implements ElementWriter {
  readonly #session: IptablesSession;

  constructor(session: IptablesSession) {
    this.#session = session;
  }

  apply(add: readonly NftElement[], remove: readonly NftElement[]): void {
    for (const e of remove) {
      const id = commentId(e);
      for (const r of elementRules(e, this.#session.ifaceFamilies)) {
        this.#session.queue(r.family, (b) => b.removeRules(r.table, r.chain, (c) => c === id || c.startsWith(`${id} : `)));
      }
    }
    for (const e of add) {
      const id = commentId(e);
      for (const r of elementRules(e, this.#session.ifaceFamilies)) this.#session.queue(r.family, (b) => b.ensureRule(r, id));
    }
    this.#session.run();
  }
}

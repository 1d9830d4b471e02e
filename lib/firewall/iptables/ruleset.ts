/**
 * The live ruleset of one address family as iptables-save prints it, and a batch of changes
 * planned against it: every change is checked against (and applied to) a working copy first, so
 * the batch never deletes an absent rule nor adds a present one, and comes out as one
 * `iptables-restore --noflush` input — one transaction per table. Pure.
 */
import { type ChainContent, type Rule, type Table, renderRule } from "./rules.ts";

export interface SavedRule {
  chain: string;
  /** The rule after `-A <chain> `, as saved (what `-D <chain> ` takes back). */
  spec: string;
  comment?: string;
  /** The chain it jumps or goes to, if any. */
  target?: string;
}

export interface SavedTable {
  chains: Set<string>;
  rules: SavedRule[];
}

export type Ruleset = Map<string, SavedTable>;

const TABLE_ORDER: Table[] = ["raw", "nat", "filter"];

function commentOf(spec: string): string | undefined {
  const m = /(?:^|\s)--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(spec);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
}

function targetOf(spec: string): string | undefined {
  return /(?:^|\s)-[jg] (\S+)/.exec(spec)?.[1];
}

/** Parse `iptables-save` output (all tables, or those it printed). */
export function parseSave(text: string): Ruleset {
  const tables: Ruleset = new Map();
  let current: SavedTable | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      current = { chains: new Set(), rules: [] };
      tables.set(line.slice(1), current);
    } else if (line === "COMMIT") {
      current = undefined;
    } else if (current && line.startsWith(":")) {
      current.chains.add(line.slice(1).split(" ")[0] ?? "");
    } else if (current && line.startsWith("-A ")) {
      const rest = line.slice(3);
      const cut = rest.indexOf(" ");
      const chain = cut < 0 ? rest : rest.slice(0, cut);
      const spec = cut < 0 ? "" : rest.slice(cut + 1);
      const rule: SavedRule = { chain, spec };
      const comment = commentOf(spec);
      if (comment !== undefined) rule.comment = comment;
      const target = targetOf(spec);
      if (target !== undefined) rule.target = target;
      current.rules.push(rule);
    }
  }
  return tables;
}

function copy(r: Ruleset): Ruleset {
  return new Map([...r].map(([name, t]) => [name, { chains: new Set(t.chains), rules: [...t.rules] }]));
}

/** The spec iptables-restore takes after `-A <chain> ` for one of berth's rules. */
function specOf(r: Rule): string {
  return renderRule({ ...r, first: false }).slice(`-A ${r.chain} `.length);
}

export class Batch {
  readonly #view: Ruleset;
  readonly #lines = new Map<Table, string[]>();

  constructor(live: Ruleset) {
    this.#view = copy(live);
  }

  /** The ruleset as it will be once the batch is applied. */
  get view(): Ruleset {
    return this.#view;
  }

  get empty(): boolean {
    return this.#lines.size === 0;
  }

  #table(name: Table): SavedTable {
    let t = this.#view.get(name);
    if (t === undefined) {
      t = { chains: new Set(), rules: [] };
      this.#view.set(name, t);
    }
    return t;
  }

  #emit(table: Table, line: string): void {
    this.#lines.set(table, [...(this.#lines.get(table) ?? []), line]);
  }

  hasChain(table: Table, chain: string): boolean {
    return this.#view.get(table)?.chains.has(chain) ?? false;
  }

  /** Whether a rule with this comment is in the chain. */
  has(r: Pick<Rule, "table" | "chain" | "comment">): boolean {
    return this.#view.get(r.table)?.rules.some((x) => x.chain === r.chain && x.comment === r.comment) ?? false;
  }

  /** Create a chain elements live in, unless it exists (declaring an existing chain would flush it). */
  ensureChain(table: Table, chain: string): void {
    if (this.hasChain(table, chain)) return;
    this.#table(table).chains.add(chain);
    this.#emit(table, `:${chain} - [0:0]`);
  }

  /** Create or flush a chain berth owns whole, and fill it. */
  resetChain(c: ChainContent): void {
    const t = this.#table(c.table);
    t.chains.add(c.chain);
    t.rules = t.rules.filter((r) => r.chain !== c.chain);
    this.#emit(c.table, `:${c.chain} - [0:0]`);
    for (const r of c.rules) this.addRule(r);
  }

  /** Like resetChain, but nothing when the chain holds exactly these rules already (by comment and target). */
  ensureChainContent(c: ChainContent): void {
    const have = (this.#view.get(c.table)?.rules ?? []).filter((r) => r.chain === c.chain).map((r) => `${r.comment}\u0000${r.target}`);
    const want = c.rules.map((r) => `${r.comment}\u0000${targetOf(r.target)}`);
    if (this.hasChain(c.table, c.chain) && have.join("\n") === want.join("\n")) return;
    this.resetChain(c);
  }

  /** Add a rule (no check). */
  addRule(r: Rule): void {
    const t = this.#table(r.table);
    const saved: SavedRule = { chain: r.chain, spec: specOf(r), comment: r.comment };
    const target = targetOf(r.target);
    if (target !== undefined) saved.target = target;
    if (r.first) t.rules.unshift(saved);
    else t.rules.push(saved);
    this.#emit(r.table, renderRule(r));
  }

  /**
   * Make the rule present: nothing when a rule with its comment is there; otherwise rules of the
   * same element with other data (comments starting `<id> : `) go, and the rule is added.
   */
  ensureRule(r: Rule, id?: string): void {
    if (this.has(r)) return;
    if (id !== undefined) this.removeRules(r.table, r.chain, (c) => c === id || c.startsWith(`${id} : `));
    this.addRule(r);
  }

  /** Delete, by their saved spec, the chain's rules whose comment matches; absent ones are no work. */
  removeRules(table: Table, chain: string, match: (comment: string) => boolean): void {
    const t = this.#view.get(table);
    if (t === undefined) return;
    const gone = t.rules.filter((r) => r.chain === chain && r.comment !== undefined && match(r.comment));
    if (gone.length === 0) return;
    t.rules = t.rules.filter((r) => !gone.includes(r));
    for (const r of gone) this.#emit(table, `-D ${r.chain} ${r.spec}`);
  }

  /** Remove chains that exist: first every rule that jumps to them, then their rules, then them. */
  dropChains(table: Table, chains: readonly string[]): void {
    const t = this.#view.get(table);
    if (t === undefined) return;
    const present = chains.filter((c) => t.chains.has(c));
    if (present.length === 0) return;
    const doomed = new Set(present);
    for (const r of t.rules.filter((x) => x.target !== undefined && doomed.has(x.target) && !doomed.has(x.chain))) this.#emit(table, `-D ${r.chain} ${r.spec}`);
    t.rules = t.rules.filter((r) => !doomed.has(r.chain) && !(r.target !== undefined && doomed.has(r.target)));
    for (const c of present) this.#emit(table, `-F ${c}`);
    for (const c of present) {
      this.#emit(table, `-X ${c}`);
      t.chains.delete(c);
    }
  }

  /** The restore input: one block per table that changes, each its own transaction. */
  text(): string {
    const blocks: string[] = [];
    for (const table of TABLE_ORDER) {
      const lines = this.#lines.get(table);
      if (lines !== undefined) blocks.push(`*${table}\n${lines.join("\n")}\nCOMMIT\n`);
    }
    return blocks.join("");
  }
}

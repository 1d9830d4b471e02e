/** Small statistics and formatting helpers for benchmarks. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

export function ratio(ours: number, theirs: number): string {
  return `${(ours / theirs).toFixed(2)}x`;
}

export interface Row {
  what: string;
  berth: string;
  reference: string;
  ratio: string;
  note?: string;
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const head: Row = { what: "measure", berth: "berth", reference: "reference", ratio: "berth/ref", note: "" };
  const all = [head, ...rows];
  const w = (k: keyof Row) => Math.max(...all.map((r) => (r[k] ?? "").length));
  for (const r of all) {
    console.log(
      `  ${r.what.padEnd(w("what"))}  ${r.berth.padStart(w("berth"))}  ${r.reference.padStart(w("reference"))}  ${r.ratio.padStart(w("ratio"))}  ${r.note ?? ""}`,
    );
  }
}

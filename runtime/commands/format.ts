/** Docker's ways of showing things: sizes, ages, truncated IDs and text, aligned columns. */

/** The first 12 hex digits of an ID, as docker shows it. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

const SIZE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Decimal units with three significant digits: 1234567 → "1.23MB" (docker's HumanSize). */
export function humanSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < SIZE_UNITS.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${Number(size.toPrecision(3))}${SIZE_UNITS[unit]}`;
}

/** "3 days", "About an hour" (docker's HumanDuration). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.round(ms / 3_600_000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** "2 hours ago", or "N/A" without a time. */
export function since(created: string | undefined, now = Date.now()): string {
  const t = created === undefined ? NaN : Date.parse(created);
  return Number.isNaN(t) || t <= 0 ? "N/A" : `${humanDuration(now - t)} ago`;
}

/** Text cut to `max` characters with an ellipsis, as docker's tables do. */
export function ellipsis(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join("")}…`;
}

/** Columns separated by at least three spaces (docker's tabwriter); the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - [...c].length + 3)))
      .join("")
      .trimEnd();
  return [header, ...rows].map(line).join("\n") + "\n";
}

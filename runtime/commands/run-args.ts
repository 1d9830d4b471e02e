/**
 * docker run's argument grammar: options, then the image, then the command with its own options
 * untouched (`berth run -it busybox ls -l`). The split happens before the options are parsed.
 */
const BOOLEAN_FLAGS = new Set(["-d", "--detach", "-i", "--interactive", "-t", "--tty", "--rm", "-P", "--publish-all", "--help"]);

/** Index of the image argument in `args` (the words after "run"), or -1. */
export function imageIndex(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") return i + 1 < args.length ? i + 1 : -1;
    if (!a.startsWith("-") || a === "-") return i;
    if (a.includes("=")) continue;
    if (BOOLEAN_FLAGS.has(a)) continue;
    if (/^-[dit]+$/.test(a)) continue; // -it, -dit
    i += 1; // a flag with a value
  }
  return -1;
}

/** Split `run …` words into the options part and [image, ...command]. */
export function splitRun(args: readonly string[]): { options: string[]; image?: string; command: string[] } {
  const at = imageIndex(args);
  if (at < 0) return { options: [...args], command: [] };
  const options = args.slice(0, at).filter((a) => a !== "--");
  return { options, image: args[at] as string, command: args.slice(at + 1) };
}

/** docker's memory units: 32m, 1g, 512k, 1024 (bytes). */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid size "${text}": use a number with an optional unit b, k, m or g (like 32m)`);
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Math.floor(Number(m[1]) * unit);
}

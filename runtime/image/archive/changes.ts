/**
 * `--change` instructions of docker import/commit: a subset of the Dockerfile that only sets
 * image configuration (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR).
 */
import { posix } from "node:path";
import type { ContainerConfig } from "../store/manifest.ts";

export class ChangeError extends TypeError {
  readonly change: string;
  constructor(change: string, reason: string) {
    super(`--change ${JSON.stringify(change)}: ${reason}`);
    this.name = "ChangeError";
    this.change = change;
  }
}

export const SUPPORTED_CHANGES = ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"] as const;

/** Split on blanks, honouring "double" and 'single' quotes and backslash escapes (as Dockerfile words). */
export function splitWords(text: string, change: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new ChangeError(change, `unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** JSON (exec) form `["a","b"]`, else shell form run by /bin/sh -c. */
function commandForm(args: string, change: string): string[] {
  if (args.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed as string[];
    throw new ChangeError(change, "the exec form must be a JSON array of strings");
  }
  return ["/bin/sh", "-c", args];
}

function keyValues(args: string, change: string, what: string): [string, string][] {
  const words = splitWords(args, change);
  if (words.length === 0) throw new ChangeError(change, `${what} needs a name and a value`);
  if (!(words[0] as string).includes("=")) {
    // The old form: `ENV NAME the rest is the value`.
    const space = args.search(/\s/);
    if (space < 0) throw new ChangeError(change, `${what} ${words[0]} needs a value`);
    return [[args.slice(0, space), args.slice(space).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new ChangeError(change, `${JSON.stringify(w)} is not NAME=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** A new config with the changes applied in order. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const config: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(change);
    const instruction = m?.[1]?.toUpperCase() ?? "";
    const args = (m?.[2] ?? "").trim();
    if (!(SUPPORTED_CHANGES as readonly string[]).includes(instruction)) {
      throw new ChangeError(change, `unknown instruction ${JSON.stringify(m?.[1] ?? "")}: use one of ${SUPPORTED_CHANGES.join(", ")}`);
    }
    if (args === "") throw new ChangeError(change, `${instruction} needs an argument`);
    switch (instruction) {
      case "CMD":
        config.Cmd = commandForm(args, change);
        break;
      case "ENTRYPOINT":
        config.Entrypoint = commandForm(args, change);
        break;
      case "ENV":
        for (const [k, v] of keyValues(args, change, "ENV")) {
          config.Env = [...(config.Env ?? []).filter((e) => e.split("=")[0] !== k), `${k}=${v}`];
        }
        break;
      case "LABEL":
        for (const [k, v] of keyValues(args, change, "LABEL")) config.Labels = { ...config.Labels, [k]: v };
        break;
      case "EXPOSE":
        for (const port of splitWords(args, change)) {
          const pm = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(port);
          const from = Number(pm?.[1]);
          const to = pm?.[2] === undefined ? from : Number(pm[2]);
          if (pm === null || from < 1 || to > 65535 || to < from) throw new ChangeError(change, `invalid port ${JSON.stringify(port)}: expected PORT[/tcp|udp|sctp]`);
          const proto = (pm[3] ?? "tcp").toLowerCase();
          for (let p = from; p <= to; p++) config.ExposedPorts = { ...config.ExposedPorts, [`${p}/${proto}`]: {} };
        }
        break;
      case "VOLUME": {
        const paths = args.startsWith("[") ? commandForm(args, change) : splitWords(args, change);
        for (const p of paths) config.Volumes = { ...config.Volumes, [p]: {} };
        break;
      }
      case "WORKDIR":
        config.WorkingDir = posix.resolve(config.WorkingDir || "/", args);
        break;
      case "USER":
        config.User = args;
        break;
      case "STOPSIGNAL":
        config.StopSignal = args;
        break;
    }
  }
  return config;
}

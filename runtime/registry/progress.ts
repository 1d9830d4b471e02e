/**
 * Pull and push progress for a person at a terminal, drawn like docker: one line per layer
 * (`a3ed95caeb02: Downloading  12.3MB/45.6MB`, `Pull complete`, `Already exists`), updated in
 * place. Off a terminal it stays quiet and writes only the final line it is given.
 */
import type { TransferEvent } from "./events.ts";

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressRenderer {
  onEvent(event: TransferEvent): void;
  /** Redraw what is pending and write `line` (e.g. "Digest: sha256:…") if given. */
  finish(line?: string): void;
}

const UPDATE_INTERVAL_MS = 100;

/** docker's HumanSize: decimal units, 4 significant digits ("12.35MB", "1.2kB", "512B"). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${Number(value.toPrecision(4))}${units[unit]}`;
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** The status text of one layer after `event`, in docker's words for `direction`. */
export function statusText(event: TransferEvent, direction: "pull" | "push"): string | undefined {
  const pull = direction === "pull";
  switch (event.type) {
    case "resolved":
      return undefined;
    case "exists":
      return pull ? "Already exists" : "Layer already exists";
    case "mounted":
      return `Mounted from ${event.from}`;
    case "start":
      return pull ? "Pulling fs layer" : "Preparing";
    case "progress":
      return `${pull ? "Downloading" : "Pushing"}  ${humanSize(event.done)}/${humanSize(event.size)}`;
    case "done":
      return pull ? "Pull complete" : "Pushed";
  }
}

export function progressRenderer(out: ProgressOutput, direction: "pull" | "push"): ProgressRenderer {
  if (!out.isTTY) {
    return {
      onEvent: () => undefined,
      finish: (line) => {
        if (line !== undefined) out.write(`${line}\n`);
      },
    };
  }
  const order: string[] = [];
  const text = new Map<string, string>();
  const drawnAt = new Map<string, number>();

  const draw = (digest: string) => {
    const index = order.indexOf(digest);
    const up = order.length - index;
    out.write(`\x1b[${up}A\r\x1b[2K${shortDigest(digest)}: ${text.get(digest) ?? ""}\x1b[${up}B\r`);
    drawnAt.set(digest, Date.now());
  };

  return {
    onEvent(event) {
      if (event.type === "resolved" || event.role !== "layer") return;
      const status = statusText(event, direction);
      if (status === undefined) return;
      text.set(event.digest, status);
      if (!order.includes(event.digest)) {
        order.push(event.digest);
        out.write(`${shortDigest(event.digest)}: ${status}\n`);
        drawnAt.set(event.digest, Date.now());
        return;
      }
      // Byte counts are redrawn at most every 100 ms a line; state changes at once.
      if (event.type === "progress" && Date.now() - (drawnAt.get(event.digest) ?? 0) < UPDATE_INTERVAL_MS) return;
      draw(event.digest);
    },
    finish(line) {
      for (const digest of order) draw(digest);
      if (line !== undefined) out.write(`${line}\n`);
    },
  };
}

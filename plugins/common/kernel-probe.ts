/**
 * STATUS's question "can the kernel do what ADD needs?", answered by trying: the link kinds are
 * created in a throwaway network namespace (nothing real is touched), once per boot; the answer
 * is kept in the state directory, so later STATUS calls only read a file.
 */
import { readFileSync } from "node:fs";
import { cniError } from "../../lib/cni/index.ts";
import { openHandle } from "../../lib/netlink/index.ts";
import { withThrowawayNetns } from "../../lib/netns/index.ts";
import { bootId, writeFileAtomic } from "../../lib/store/index.ts";

export type ProbeKind = "bridge" | "veth" | "macvlan";

/** Code 50: the plugin is not ready (the spec's STATUS "unavailable"). */
const NOT_READY = 50;

function tryKinds(kinds: readonly ProbeKind[]): string[] {
  return withThrowawayNetns(() => {
    using h = openHandle();
    const missing: string[] = [];
    const attempt = (kind: string, add: () => void) => {
      try {
        add();
      } catch (err) {
        missing.push(`${kind} (${(err as Error).message})`);
      }
    };
    if (kinds.includes("veth") || kinds.includes("macvlan")) attempt("veth", () => h.linkAdd({ kind: "veth", name: "probe0", peer: { name: "probe1" } }));
    if (kinds.includes("bridge")) attempt("bridge", () => h.linkAdd({ kind: "bridge", name: "probebr0" }));
    if (kinds.includes("macvlan")) attempt("macvlan", () => h.linkAdd({ kind: "macvlan", name: "probemv0", parentIndex: h.linkGet("probe0").index, mode: "bridge" }));
    return missing;
  });
}

/** Throws a CNI error with code 50 naming what the kernel lacks; a file read after the first call of a boot. */
export function assertKernelSupports(stateDir: string, kinds: readonly ProbeKind[]): void {
  const file = `${stateDir}/.kernel-probe.json`;
  const boot = bootId();
  const key = [...kinds].sort().join(",");
  let known: { bootId?: string; results?: Record<string, string[]> } = {};
  try {
    known = JSON.parse(readFileSync(file, "utf8")) as typeof known;
  } catch {
    // first probe
  }
  let missing = known.bootId === boot ? known.results?.[key] : undefined;
  if (missing === undefined) {
    missing = tryKinds(kinds);
    writeFileAtomic(file, `${JSON.stringify({ bootId: boot, results: { ...(known.bootId === boot ? known.results : {}), [key]: missing } })}\n`, { mode: 0o600, mkdirMode: 0o700, durable: false });
  }
  if (missing.length > 0) throw cniError(NOT_READY, "The kernel lacks what ADD needs", `creating ${missing.join("; ")} failed in a scratch namespace`);
}

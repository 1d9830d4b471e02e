/**
 * The tuning plugin's configuration: the keys of the reference tuning plugin (sysctl, mac,
 * promisc, mtu, allmulti, txQLen, dataDir, their args.cni overrides, runtimeConfig.mac and
 * CNI_ARGS MAC) with the same precedence, validated up front so that a bad value is refused
 * (code 7, naming the key) before anything in the container changes.
 */
import { readFileSync } from "node:fs";
import { capabilities, cniError, CniErrorCode, getCI, type CniEnv, type NetConf } from "../../lib/cni/index.ts";
import { formatMac, isMulticastMac, tryParseMac } from "../../lib/ip/index.ts";
import { stateDirOf } from "../common/attachment.ts";

/** Where the reference plugin keeps its backup files (berth reads them on DEL, see tuning.ts). */
export const DEFAULT_DATA_DIR = "/run/cni/tuning";

/** The reference plugin's sysctl allowlist (one regular expression per line), honoured when present. */
export const DEFAULT_ALLOWLIST = "/etc/cni/tuning/allowlist.conf";

/** The placeholder a sysctl key may use for CNI_IFNAME. */
export const IFNAME_PLACEHOLDER = "IFNAME";

export interface SysctlSetting {
  /** The key as the config spells it (for messages). */
  key: string;
  /** Path segments under /proc/sys, IFNAME substituted ("net", "ipv4", "conf", "eth0", "arp_ignore"). */
  path: string[];
  value: string;
  /** The key names CNI_IFNAME: the file belongs to the interface and goes away with it. */
  perInterface: boolean;
}

export interface TuningConfig {
  name: string;
  /** In config order; args.cni.sysctl entries replace the config's entry for the same file. */
  sysctls: SysctlSetting[];
  /** Lowercase, colon separated: args.cni.mac > runtimeConfig.mac > CNI_ARGS MAC > mac. */
  mac: string | undefined;
  /** Only `true` changes anything (as in the reference); CHECK compares both ways. */
  promisc: boolean;
  /** 0 in the config means unset. */
  mtu: number | undefined;
  allmulti: boolean | undefined;
  txQLen: number | undefined;
  dataDir: string;
  /** Where attachment records live (berth key; BERTH_STATE_DIR or /var/lib/berth/cni). */
  stateDir: string;
}

const invalid = (key: string, why: string) => cniError(CniErrorCode.INVALID_CONFIG, `invalid ${key}`, why);

function bool(v: unknown, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(key, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function int(v: unknown, key: string, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw invalid(key, `${key} must be an integer from 0 to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function mac(v: unknown, source: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const parsed = typeof v === "string" ? tryParseMac(v) : undefined;
  if (parsed === undefined) throw invalid(source, `${source} ${JSON.stringify(v)} is not a MAC address (six hex byte pairs separated by ":")`);
  if (isMulticastMac(parsed)) throw invalid(source, `${source} ${v} is a multicast address: an interface needs a unicast MAC`);
  return formatMac(parsed);
}

/**
 * A sysctl key → path segments under /proc/sys. Dots separate the levels, as in the reference;
 * a key that contains "/" is read the way sysctl(8) reads it: "/" separates and dots are part of
 * names, so an interface whose name contains a dot can be named ("net/ipv4/conf/eth0.100/rp_filter").
 * A segment "IFNAME" stands for CNI_IFNAME (which may contain dots). Only net.* is accepted: those
 * files belong to the container's namespace, nothing else does.
 */
export function resolveSysctlKey(key: string, ifname: string | undefined): { path: string[]; perInterface: boolean } {
  if (typeof key !== "string" || key.trim() === "") throw invalid("sysctl", "sysctl keys must be non-empty names like net.ipv4.conf.IFNAME.arp_ignore");
  const raw = key.includes("/") ? key.replace(/^\/+|\/+$/g, "").split("/") : key.split(".");
  let perInterface = false;
  const path = raw.map((seg) => {
    if (seg === IFNAME_PLACEHOLDER && ifname !== undefined) {
      perInterface = true;
      return ifname;
    }
    return seg;
  });
  if (ifname !== undefined && path.slice(0, -1).includes(ifname)) perInterface = true;
  const bad = path.find((s) => s === "" || s === "." || s === ".." || s.includes("\0") || /\s/.test(s));
  if (bad !== undefined) {
    throw invalid("sysctl", `sysctl key ${JSON.stringify(key)} has an invalid part ${JSON.stringify(bad)}: parts must be plain names, without "..", empty parts or whitespace`);
  }
  if (path[0] !== "net" || path.length < 3) {
    throw invalid(
      "sysctl",
      `sysctl ${JSON.stringify(key)} is not a network sysctl: tuning sets only net.* parameters (they belong to the container's namespace; anything else would change the whole machine)`,
    );
  }
  return { path, perInterface };
}

function sysctlValue(v: unknown, key: string, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  throw invalid(where, `the value of sysctl ${JSON.stringify(key)} must be a string (or a number), got ${JSON.stringify(v)}`);
}

function sysctlMap(v: unknown, where: string): [string, string][] {
  if (v === undefined || v === null) return [];
  if (typeof v !== "object" || Array.isArray(v)) throw invalid(where, `${where} must be an object of sysctl name → value`);
  return Object.entries(v as Record<string, unknown>).map(([k, val]) => [k, sysctlValue(val, k, where)]);
}

function parseSysctls(raw: NetConf, cniArgs: unknown, ifname: string | undefined): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  const byFile = new Map<string, SysctlSetting>();
  const add = (entries: [string, string][], where: string, override: boolean) => {
    const seen = new Map<string, string>();
    for (const [key, value] of entries) {
      const { path, perInterface } = resolveSysctlKey(key, ifname);
      const file = path.join("/");
      const other = seen.get(file);
      if (other !== undefined) {
        throw invalid(where, `sysctl keys ${JSON.stringify(other)} and ${JSON.stringify(key)} name the same parameter: keep one`);
      }
      seen.set(file, key);
      const setting: SysctlSetting = { key, path, value, perInterface };
      const existing = byFile.get(file);
      if (existing !== undefined && override) {
        Object.assign(existing, setting);
        continue;
      }
      byFile.set(file, setting);
      out.push(setting);
    }
  };
  add(sysctlMap(raw.sysctl, "sysctl"), "sysctl", false);
  add(sysctlMap(getCI(cniArgs, "sysctl"), "args.cni.sysctl"), "args.cni.sysctl", true);
  return out;
}

export function parseTuningConfig(raw: NetConf, env: CniEnv): TuningConfig {
  const cniArgs = getCI(raw.args, "cni");
  const over = (key: string) => getCI(cniArgs, key);

  // The reference's order: the config's value, then CNI_ARGS, runtimeConfig and args.cni override.
  let chosenMac = mac(raw.mac, "mac");
  chosenMac = mac(env.args.get("MAC"), "CNI_ARGS MAC") ?? chosenMac;
  chosenMac = mac(capabilities.mac(raw.runtimeConfig), "runtimeConfig.mac") ?? chosenMac;
  chosenMac = mac(over("mac"), "args.cni.mac") ?? chosenMac;

  const mtu = int(over("mtu"), "args.cni.mtu", 0x7fffffff) ?? int(raw.mtu, "mtu", 0x7fffffff);
  const dataDir = raw.dataDir;
  if (dataDir !== undefined && dataDir !== null && typeof dataDir !== "string") {
    throw invalid("dataDir", `dataDir must be a directory path, got ${JSON.stringify(dataDir)}`);
  }
  const stateDir = raw.stateDir;
  if (stateDir !== undefined && stateDir !== null && typeof stateDir !== "string") {
    throw invalid("stateDir", `stateDir must be a directory path, got ${JSON.stringify(stateDir)}`);
  }
  return {
    name: raw.name,
    sysctls: parseSysctls(raw, cniArgs, env.ifname),
    mac: chosenMac,
    promisc: bool(over("promisc"), "args.cni.promisc") ?? bool(raw.promisc, "promisc") ?? false,
    mtu: mtu === 0 ? undefined : mtu,
    allmulti: bool(over("allmulti"), "args.cni.allmulti") ?? bool(raw.allmulti, "allmulti"),
    txQLen: int(over("txQLen"), "args.cni.txQLen", 0xffffffff) ?? int(raw.txQLen, "txQLen", 0xffffffff),
    dataDir: typeof dataDir === "string" && dataDir !== "" ? dataDir : DEFAULT_DATA_DIR,
    stateDir: stateDirOf({ stateDir }),
  };
}

/** True when the config asks for a change of the link itself (not only sysctls). */
export function changesLink(conf: TuningConfig): boolean {
  return conf.mac !== undefined || conf.promisc || conf.mtu !== undefined || conf.allmulti !== undefined || conf.txQLen !== undefined;
}

/**
 * The reference refuses a sysctl key written twice in the same object (JSON.parse would silently
 * keep the last one). Scans the exact stdin for duplicate keys in `sysctl` and `args.cni.sysctl`.
 */
export function assertNoDuplicateSysctlKeys(stdin: Uint8Array): void {
  const dup = findDuplicateKey(Buffer.from(stdin).toString("utf8"), [["sysctl"], ["args", "cni", "sysctl"]]);
  if (dup !== undefined) {
    throw invalid(dup.where, `sysctl key ${JSON.stringify(dup.key)} is given twice in ${dup.where}: duplicated sysctl keys are not allowed`);
  }
}

/**
 * The first key that appears twice in one of the objects at `paths` (lowercase-insensitive path
 * match for args/cni, as Go decodes them), or undefined. The text is valid JSON (parsed before).
 */
export function findDuplicateKey(text: string, paths: string[][]): { key: string; where: string } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const matches = (path: string[]) => paths.some((p) => p.length === path.length && p.every((s, k) => s.toLowerCase() === (path[k] as string).toLowerCase()));
  let found: { key: string; where: string } | undefined;
  const value = (path: string[]): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const keys = new Set<string>();
      const watch = matches(path);
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = str();
        if (watch && found === undefined && keys.has(key)) found = { key, where: path.join(".") };
        keys.add(key);
        ws();
        i++; // ':'
        value([...path, key]);
        ws();
        if (text[i++] === "}") return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value([...path, "[]"]);
        ws();
        if (text[i++] === "]") return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !",}] \t\r\n".includes(text[i] as string)) i++;
    }
  };
  value([]);
  return found;
}

/**
 * The reference's allowlist: when the file exists, every sysctl key (as written) must match one
 * of its regular expressions (searched, not anchored, like Go's MatchString).
 * BERTH_TUNING_ALLOWLIST names another file (for tests and non-standard layouts).
 */
export function assertAllowed(conf: TuningConfig): void {
  if (conf.sysctls.length === 0) return;
  const file = process.env.BERTH_TUNING_ALLOWLIST || DEFAULT_ALLOWLIST;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw cniError(CniErrorCode.IO, `Cannot read the sysctl allowlist ${file}`, (err as Error).message);
  }
  const patterns = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const regexps = patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (err) {
      throw cniError(CniErrorCode.INVALID_CONFIG, `invalid pattern in the sysctl allowlist ${file}`, `${JSON.stringify(p)}: ${(err as Error).message}`);
    }
  });
  for (const s of conf.sysctls) {
    if (!regexps.some((r) => r.test(s.key))) {
      throw cniError(
        CniErrorCode.INVALID_CONFIG,
        `Sysctl ${s.key} is not allowed`,
        `${file} allows only sysctls matching: ${patterns.join(", ") || "(nothing)"}`,
      );
    }
  }
}

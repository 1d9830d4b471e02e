/**
 * Path resolution for unpacking, done by berth itself so the kernel never follows a symlink while
 * a layer is written. The tree seen is the overlay view of the target (the snapshot being written)
 * over its lower snapshots: whiteouts hide, opaque directories cut off what is below, the topmost
 * non-directory wins. Symlinks met on the way are followed only while they stay inside the root,
 * resolved as the host kernel would resolve them from the target directory: a relative target
 * that climbs above the root, or any absolute target, is an escape. (Image builders write the real
 * path of a file, never a path through a symlink, so real images never need more.)
 */
import { lstatSync, mkdirSync, readlinkSync, type Stats } from "node:fs";
import { isWhiteout, isOpaque } from "./whiteout.ts";

/** Why a path could not be resolved inside the root; the unpacker turns it into an entry error. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResolveError";
  }
}

/** The most symlinks followed for one path, as Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

/**
 * Split an entry name into root-relative components: a leading "/" is dropped (as docker does,
 * so "/etc/passwd" lands at <root>/etc/passwd), "." and empty components vanish, and ".." is
 * applied lexically. Returns null when ".." climbs above the root.
 */
export function cleanPath(name: string): string[] | null {
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out;
}

interface Found {
  kind: "dir" | "symlink" | "other";
  /** Layers (0 = target, then lowers topmost first) whose directory makes up this merged one. */
  layers: number[];
  stat: Stats;
  /** Absolute path of the topmost layer's file. */
  path: string;
}

/** A directory's metadata to give a directory created in the target to shadow a lower one. */
export interface DirCreated {
  path: string;
  stat: Stats | undefined;
}

export class MergedTree {
  /** target first, then the lower layers topmost first. */
  readonly #layers: string[];
  /** Resolved real directories (root-relative, "" = root) → their contributing layers. */
  readonly #dirs = new Map<string, number[]>();
  readonly #onCreateDir: (created: DirCreated) => void;

  /**
   * @param target the directory being written
   * @param lowers the layers below it, lowest first (as prepareSnapshots lists them)
   * @param onCreateDir told of each directory created in the target to hold an entry, with the
   *   metadata of the lower directory it shadows (undefined when none), so it can copy it
   */
  constructor(target: string, lowers: readonly string[], onCreateDir: (created: DirCreated) => void) {
    this.#layers = [target, ...[...lowers].reverse()];
    this.#dirs.set("", this.#layers.map((_, i) => i));
    this.#onCreateDir = onCreateDir;
  }

  get target(): string {
    return this.#layers[0] as string;
  }

  /**
   * The real root-relative path of the directory `components` lead to, following symlinks inside
   * the root, made to exist in the target. Throws ResolveError on an escape, a loop, or a
   * non-directory on the way.
   */
  directory(components: readonly string[]): string {
    const joined = components.join("/");
    if (this.#dirs.get(joined)?.[0] === 0) return joined;
    const real = this.#walk(components);
    this.#materialize(real);
    return real.join("/");
  }

  /**
   * Where `components` lead with the final component not followed: the real parent directory and
   * the name, without creating anything. Throws ResolveError like directory().
   */
  locate(components: readonly string[]): { parent: string; name: string } {
    const parent = this.#walk(components.slice(0, -1)).join("/");
    return { parent, name: components[components.length - 1] ?? "" };
  }

  /** Forget what is known about `path` and below: the target changed there. */
  changed(path: string): void {
    if (!this.#dirs.has(path)) return;
    this.#dirs.delete(path);
    const prefix = `${path}/`;
    for (const key of this.#dirs.keys()) if (key.startsWith(prefix)) this.#dirs.delete(key);
  }

  /** Walk to a directory; returns its real components (symlink-free). */
  #walk(components: readonly string[]): string[] {
    let pending = [...components];
    let real: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift() as string;
      const path = real.length === 0 ? name : `${real.join("/")}/${name}`;
      if (this.#dirs.has(path)) {
        real.push(name);
        continue;
      }
      const found = this.#lookup(real.join("/"), name);
      if (found === undefined) {
        this.#dirs.set(path, []); // missing: created in the target when materialized
        real.push(name);
        continue;
      }
      if (found.kind === "dir") {
        this.#dirs.set(path, found.layers);
        real.push(name);
        continue;
      }
      if (found.kind === "other") {
        throw new ResolveError(`needs "${path}" to be a directory, but it is not one`);
      }
      if (++hops > MAX_SYMLINKS) throw new ResolveError(`meets a symlink loop at "${path}"`);
      const target = readlinkSync(found.path);
      const next = target.startsWith("/") ? null : cleanPath(`${real.join("/")}/${target}`);
      if (next === null) {
        throw new ResolveError(`passes through symlink "${path}" -> "${target}", which leads outside the root`);
      }
      real = [];
      pending = [...next, ...pending];
    }
    return real;
  }

  /** The merged view's entry `name` in the resolved directory `dir`. */
  #lookup(dir: string, name: string): Found | undefined {
    const layers = this.#dirs.get(dir) ?? [];
    const rel = dir === "" ? name : `${dir}/${name}`;
    const dirLayers: number[] = [];
    let top: Found | undefined;
    for (const index of layers) {
      const path = `${this.#layers[index]}/${rel}`;
      let stat: Stats;
      try {
        stat = lstatSync(path);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        dirLayers.push(index);
        top ??= { kind: "dir", layers: dirLayers, stat, path };
        if (isOpaque(path)) break;
        continue;
      }
      if (top !== undefined || isWhiteout(stat)) break;
      return { kind: stat.isSymbolicLink() ? "symlink" : "other", layers: [], stat, path };
    }
    return top;
  }

  /** Make the resolved directory exist in the target, each missing level copied from below. */
  #materialize(real: readonly string[]): void {
    let path = "";
    for (const name of real) {
      path = path === "" ? name : `${path}/${name}`;
      const layers = this.#dirs.get(path) ?? [];
      if (layers[0] === 0) continue;
      const below = layers[0] === undefined ? undefined : lstatSync(`${this.#layers[layers[0]]}/${path}`);
      const abs = `${this.target}/${path}`;
      mkdirSync(abs, 0o755);
      this.#dirs.set(path, [0, ...layers]);
      this.#onCreateDir({ path: abs, stat: below });
    }
  }
}

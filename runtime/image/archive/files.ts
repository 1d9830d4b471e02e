/**
 * The files of an image archive, whether it came as a tar (a file or stdin, read once) or as a
 * directory (an OCI image layout on disk).
 *
 * A tar is read in one pass: every regular file is written to a staging directory inside the
 * content store's ingest area and hashed on the way, symbolic and hard links are remembered
 * (docker save links a layer shared by two images). Once the archive's metadata is checked, a
 * blob moves into the store by rename — each byte is written once. Nothing of a failed load
 * stays: the staging directory is removed either way.
 */
import { mkdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { Readable, pipeline } from "node:stream";
import { extract } from "tar-stream";
import type { ContentStore } from "../store/content.ts";
import { DigestMismatchError } from "../store/content.ts";
import type { Compression } from "../store/media-types.ts";
import { decompress, digestStream, fileStream, sniffFile, writeHashedFile } from "./compression.ts";

export class ArchiveError extends Error {
  readonly archive: string;
  constructor(archive: string, reason: string, options?: { cause?: unknown }) {
    super(`${archive}: ${reason}`, options);
    this.name = "ArchiveError";
    this.archive = archive;
  }
}

/** Largest metadata file (manifest.json, index.json, a config) read into memory. */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 16;

interface Staged {
  file: string;
  digest: string;
  size: number;
}

export class ArchiveFiles {
  /** How the archive is named in messages: its path, or "stdin". */
  readonly name: string;
  readonly #dir: string | undefined;
  readonly #staging: string | undefined;
  readonly #staged = new Map<string, Staged>();
  readonly #links = new Map<string, { target: string; symbolic: boolean }>();
  readonly #digests = new Map<string, { digest: string; size: number }>();
  readonly #diffIds = new Map<string, { diffId: string; compression: Compression }>();

  private constructor(name: string, dir: string | undefined, staging: string | undefined) {
    this.name = name;
    this.#dir = dir;
    this.#staging = staging;
  }

  /** A directory (an OCI image layout, or an unpacked docker-archive) read in place. */
  static fromDirectory(dir: string): ArchiveFiles {
    return new ArchiveFiles(dir, realpathSync(dir), undefined);
  }

  /** Read a tar stream (already decompressed) into a staging area of `content`. */
  static async fromTar(content: ContentStore, source: AsyncIterable<Uint8Array>, name: string): Promise<ArchiveFiles> {
    const staging = content.tempPath("load");
    mkdirSync(staging, { mode: 0o700 });
    const files = new ArchiveFiles(name, undefined, staging);
    try {
      const ex = extract();
      pipeline(Readable.from(source), ex, () => undefined);
      let n = 0;
      for await (const entry of ex) {
        const h = entry.header;
        const path = files.#normalize(h.name);
        if (h.type === "file" || h.type === "contiguous-file") {
          n += 1;
          const file = `${staging}/${n}`;
          files.#staged.set(path, { file, ...(await writeHashedFile(file, entry as AsyncIterable<Buffer>)) });
          files.#links.delete(path);
        } else {
          if ((h.type === "symlink" || h.type === "link") && path !== "" && typeof h.linkname === "string") {
            files.#links.set(path, { target: h.linkname, symbolic: h.type === "symlink" });
            files.#staged.delete(path);
          }
          entry.resume();
          await new Promise<void>((resolve, reject) => entry.once("end", resolve).once("error", reject));
        }
      }
    } catch (err) {
      files.cleanup();
      if (err instanceof ArchiveError) throw err;
      throw new ArchiveError(name, `is not a readable tar archive (${(err as Error).message})`, { cause: err });
    }
    return files;
  }

  /** A path inside the archive, without ./ and duplicate slashes; `..` and absolute paths are refused. */
  #normalize(path: string, what = "entry"): string {
    if (path.startsWith("/")) throw new ArchiveError(this.name, `${what} ${JSON.stringify(path)} is an absolute path`);
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) throw new ArchiveError(this.name, `${what} ${JSON.stringify(path)} leaves the archive (..)`);
    return parts.join("/");
  }

  /** The archive path after following links (within the archive). */
  #resolve(path: string): string {
    let p = this.#normalize(path, "file");
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const link = this.#links.get(p);
      if (link === undefined) return p;
      if (link.target.startsWith("/")) throw new ArchiveError(this.name, `link ${JSON.stringify(p)} points to an absolute path ${JSON.stringify(link.target)}`);
      const base = link.symbolic ? p.split("/").slice(0, -1).join("/") : "";
      const joined = base === "" ? link.target : `${base}/${link.target}`;
      const parts: string[] = [];
      for (const c of joined.split("/")) {
        if (c === "" || c === ".") continue;
        if (c === "..") {
          if (parts.pop() === undefined) throw new ArchiveError(this.name, `link ${JSON.stringify(p)} points outside the archive`);
        } else parts.push(c);
      }
      p = parts.join("/");
    }
    throw new ArchiveError(this.name, `too many levels of links at ${JSON.stringify(path)}`);
  }

  /** The file on disk holding an archive path, or undefined. */
  #fileOf(path: string): string | undefined {
    const p = this.#resolve(path);
    if (this.#staging !== undefined) return this.#staged.get(p)?.file;
    const dir = this.#dir ?? "";
    let real: string;
    try {
      real = realpathSync(`${dir}/${p}`);
    } catch {
      return undefined;
    }
    if (real !== dir && !real.startsWith(`${dir}/`)) throw new ArchiveError(this.name, `${JSON.stringify(path)} points outside the directory`);
    return statSync(real).isFile() ? real : undefined;
  }

  has(path: string): boolean {
    return this.#fileOf(path) !== undefined;
  }

  #require(path: string): string {
    const file = this.#fileOf(path);
    if (file === undefined) throw new ArchiveError(this.name, `has no file ${JSON.stringify(path)}`);
    return file;
  }

  /** A small file's content (metadata: JSON documents). */
  read(path: string): Buffer {
    const file = this.#require(path);
    if (statSync(file).size > MAX_METADATA_BYTES) throw new ArchiveError(this.name, `${JSON.stringify(path)} is too large for a metadata file`);
    return readFileSync(file);
  }

  /** sha256 and size of a file as stored in the archive. */
  async digest(path: string): Promise<{ digest: string; size: number }> {
    const p = this.#resolve(path);
    const staged = this.#staged.get(p);
    if (staged !== undefined) return { digest: staged.digest, size: staged.size };
    let known = this.#digests.get(p);
    if (known === undefined) {
      known = await digestStream(fileStream(this.#require(p)));
      this.#digests.set(p, known);
    }
    return known;
  }

  /** The layer's diff ID (sha256 of the uncompressed tar) and its compression, by magic bytes. */
  async diffId(path: string): Promise<{ diffId: string; compression: Compression }> {
    const p = this.#resolve(path);
    let known = this.#diffIds.get(p);
    if (known === undefined) {
      const file = this.#require(p);
      const compression = await sniffFile(file);
      const diffId = compression === "none" ? (await this.digest(p)).digest : (await digestStream(decompress(fileStream(file)))).digest;
      known = { diffId, compression };
      this.#diffIds.set(p, known);
    }
    return known;
  }

  /** Put a file into the content store, checking it has `expected` digest (and size) when given. */
  async store(content: ContentStore, path: string, expected?: { digest: string; size?: number }): Promise<{ digest: string; size: number }> {
    const actual = await this.digest(path);
    if (expected !== undefined && (actual.digest !== expected.digest || (expected.size !== undefined && expected.size !== actual.size))) {
      const detail = actual.digest === expected.digest ? `${actual.size} bytes, expected ${expected.size}` : undefined;
      throw new ArchiveError(this.name, `${JSON.stringify(path)}: ${new DigestMismatchError(expected.digest, actual.digest, detail).message}`);
    }
    if (content.has(actual.digest)) return actual;
    const p = this.#resolve(path);
    const staged = this.#staged.get(p);
    if (staged !== undefined) {
      // Linked twice in the archive: the second name finds the blob already stored.
      content.commit(actual.digest, staged.file);
      this.#staged.set(p, { ...staged, file: content.path(actual.digest) });
    } else {
      await content.write(actual, fileStream(this.#require(p)));
    }
    return actual;
  }

  cleanup(): void {
    if (this.#staging !== undefined) rmSync(this.#staging, { recursive: true, force: true });
  }
}

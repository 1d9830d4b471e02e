/** Errors of the image index, each naming the image (as the user wrote it, in docker's familiar form). */

export class NoSuchImageError extends Error {
  readonly ref: string;
  constructor(ref: string) {
    super(`no such image ${JSON.stringify(ref)}`);
    this.name = "NoSuchImageError";
    this.ref = ref;
  }
}

export class AmbiguousImageError extends Error {
  readonly prefix: string;
  readonly ids: string[];
  constructor(prefix: string, ids: string[]) {
    super(`image ID prefix ${JSON.stringify(prefix)} is ambiguous: it matches ${ids.join(", ")}`);
    this.name = "AmbiguousImageError";
    this.prefix = prefix;
    this.ids = ids;
  }
}

/** rmi refused: the image is in use or referenced from several repositories (force overrides). */
export class ImageConflictError extends Error {
  readonly id: string;
  constructor(id: string, reason: string) {
    super(`conflict: unable to delete ${id.replace(/^sha256:/, "").slice(0, 12)} (must be forced) - ${reason}`);
    this.name = "ImageConflictError";
    this.id = id;
  }
}

export class ImageIndexError extends Error {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`image index ${file}: ${reason}`, options);
    this.name = "ImageIndexError";
    this.file = file;
  }
}

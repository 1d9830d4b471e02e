/**
 * Image references, parsed and normalised the way docker does: `busybox` is
 * `docker.io/library/busybox`, the registry is the first component only when it looks like a
 * host (a `.` or `:` in it, `localhost`, or upper-case letters), and a reference is shown in its
 * familiar form (`busybox:latest`, `foo/bar:1`, `localhost:5000/x:y`).
 *
 * A reference may carry a tag, a digest, or both (`name:tag@sha256:…`: the digest wins when
 * fetching, the tag is kept for display).
 */

export const DEFAULT_DOMAIN = "docker.io";
export const OFFICIAL_REPO_PREFIX = "library/";
export const DEFAULT_TAG = "latest";

/** The largest repository name (domain and path) docker accepts. */
const NAME_TOTAL_LENGTH_MAX = 255;

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256_RE = /^sha256:[0-9a-f]{64}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

export class InvalidReferenceError extends TypeError {
  readonly reference: string;
  constructor(reference: string, reason: string) {
    super(`invalid reference ${JSON.stringify(reference)}: ${reason}`);
    this.name = "InvalidReferenceError";
    this.reference = reference;
  }
}

export interface ImageReference {
  /** Registry host (and port): "docker.io", "localhost:5000". */
  readonly domain: string;
  /** Repository path inside the registry: "library/busybox". */
  readonly path: string;
  readonly tag?: string;
  /** "sha256:<hex>" */
  readonly digest?: string;
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const isDomain = slash >= 0 && (/[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first);
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `${OFFICIAL_REPO_PREFIX}${path}`;
  return { domain, path };
}

/**
 * Parse a reference as a user types it (docker's ParseNormalizedNamed). The tag is not
 * defaulted: see withDefaultTag.
 */
export function parseReference(input: string): ImageReference {
  if (input === "") throw new InvalidReferenceError(input, "empty");
  if (HEX64_RE.test(input)) {
    throw new InvalidReferenceError(input, "cannot specify 64-byte hexadecimal strings (use sha256:… for an image ID)");
  }
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new InvalidReferenceError(input, `bad digest ${JSON.stringify(digest)}`);
    if (digest.startsWith("sha256:") && !SHA256_RE.test(digest)) {
      throw new InvalidReferenceError(input, "a sha256 digest is 64 lower-case hexadecimal digits");
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw new InvalidReferenceError(input, `bad tag ${JSON.stringify(tag)}`);
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN_RE.test(domain)) throw new InvalidReferenceError(input, `bad registry host ${JSON.stringify(domain)}`);
  if (!PATH_RE.test(path)) {
    const reason = path.toLowerCase() !== path && PATH_RE.test(path.toLowerCase()) ? "repository name must be lowercase" : "bad repository name";
    throw new InvalidReferenceError(input, reason);
  }
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `repository name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `busybox` → `busybox:latest`; a reference with a tag or digest is kept as it is. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** "docker.io/library/busybox" */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string: "docker.io/library/busybox:latest", "host:5000/a/b@sha256:…". */
export function formatReference(ref: ImageReference): string {
  return `${repositoryOf(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** Parse and normalise in one step, with docker's default tag: "busybox" → "docker.io/library/busybox:latest". */
export function normalizeReference(input: string): string {
  return formatReference(withDefaultTag(parseReference(input)));
}

/** The repository as docker shows it: "busybox", "foo/bar", "localhost:5000/x". */
export function familiarRepository(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryOf(ref);
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.indexOf("/", OFFICIAL_REPO_PREFIX.length) < 0
    ? ref.path.slice(OFFICIAL_REPO_PREFIX.length)
    : ref.path;
}

/** The reference as docker shows it: "busybox:latest", "foo/bar@sha256:…". */
export function familiarString(ref: ImageReference): string {
  return `${familiarRepository(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** familiarString of a normalised reference string; a string that does not parse is returned as is. */
export function familiar(full: string): string {
  try {
    return familiarString(parseReference(full));
  } catch {
    return full;
  }
}

/** True for a valid tag (docker's grammar: up to 128 of [A-Za-z0-9_.-], not starting with . or -). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** How to name what a user typed in a message: "foo" → "foo:latest"; text that is no reference stays as it is. */
export function displayReference(input: string): string {
  try {
    return familiarString(withDefaultTag(parseReference(input)));
  } catch {
    return input;
  }
}

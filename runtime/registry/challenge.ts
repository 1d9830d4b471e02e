/**
 * `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="https://auth.example/token",
 * service="registry.example",scope="repository:foo:pull"`, `Basic realm="Registry"`, or several
 * of them in one header. Parameter names are case-insensitive; values may be quoted with
 * backslash escapes.
 */

export interface Challenge {
  /** Lower case: "bearer", "basic". */
  scheme: string;
  /** Parameter names in lower case. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACE = /[ \t]*/y;

function match(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

/** Every challenge of a header value; an unparsable tail is ignored. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skip = () => {
    i += match(SPACE, header, i)?.length ?? 0;
  };
  while (i < header.length) {
    skip();
    while (header[i] === ",") {
      i += 1;
      skip();
    }
    const scheme = match(TOKEN, header, i);
    if (scheme === undefined) break;
    i += scheme.length;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // auth-params: name=value pairs separated by commas, until a token not followed by "=".
    for (;;) {
      skip();
      const save = i;
      const name = match(TOKEN, header, i);
      if (name === undefined) break;
      i += name.length;
      skip();
      if (header[i] !== "=") {
        // the next challenge's scheme (or a token68 credential, which berth has no use for)
        i = save;
        break;
      }
      i += 1;
      skip();
      let value: string;
      if (header[i] === '"') {
        i += 1;
        value = "";
        while (i < header.length && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < header.length) i += 1;
          value += header[i];
          i += 1;
        }
        i += 1;
      } else {
        value = match(TOKEN, header, i) ?? "";
        i += value.length;
      }
      challenge.params[name.toLowerCase()] = value;
      skip();
      if (header[i] !== ",") break;
      i += 1;
    }
  }
  return out;
}

/** The challenge berth answers: Bearer first, then Basic; undefined for none it knows. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer" && c.params.realm) ?? challenges.find((c) => c.scheme === "basic");
}

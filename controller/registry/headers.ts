// Parsers for the HTTP headers the Distribution API steers clients with: WWW-Authenticate (which auth
// to use), Link (next tag page), Retry-After (429 backoff) and Docker Hub's RateLimit-* headers.

export interface AuthChallenge {
  /** Lower-cased: 'bearer', 'basic', … */
  scheme: string;
  /** Parameter names lower-cased (realm, service, scope, error). */
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235), which may hold several challenges:
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  if (!header) return [];
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  const addParam = (pair: string): void => {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim().toLowerCase();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (current && name !== '') current.params[name] = value;
  };
  for (const raw of splitOutsideQuotes(header)) {
    const item = raw.trim();
    if (item === '') continue;
    const schemeThenParam = /^([^\s=]+)\s+([^\s=][\s\S]*)$/.exec(item);
    if (schemeThenParam && schemeThenParam[2]?.includes('=')) {
      current = { scheme: (schemeThenParam[1] ?? '').toLowerCase(), params: {} };
      challenges.push(current);
      addParam(schemeThenParam[2]);
    } else if (item.includes('=')) {
      addParam(item);
    } else {
      // A bare word starts a challenge without parameters (`Negotiate`); token68 values are ignored.
      current = { scheme: (item.split(/\s/)[0] ?? '').toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

/** Splits on commas that are not inside a quoted string. */
function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The URL of the `rel="next"` link, resolved against the URL that returned it. */
export function nextLink(header: string | null | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const [, target = '', params = ''] = m;
    const rels = params
      .split(';')
      .map((p) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(p)?.[1])
      .filter((r): r is string => r !== undefined)
      .flatMap((r) => r.toLowerCase().split(/\s+/));
    if (rels.includes('next')) {
      try {
        return new URL(target, base).toString();
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Retry-After in milliseconds (delta-seconds or HTTP-date), undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Window in seconds (`;w=21600`). */
  windowSeconds?: number;
}

/** Docker Hub's `RateLimit-Limit: 100;w=21600` and `RateLimit-Remaining: 76;w=21600`. */
export function parseRateLimit(
  limit: string | null | undefined,
  remaining: string | null | undefined,
): RateLimitInfo {
  const out: RateLimitInfo = {};
  const read = (h: string | null | undefined): { n?: number; w?: number } => {
    const m = h ? /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(h) : null;
    if (!m) return {};
    return { n: Number(m[1]), ...(m[2] === undefined ? {} : { w: Number(m[2]) }) };
  };
  const l = read(limit);
  const r = read(remaining);
  if (l.n !== undefined) out.limit = l.n;
  if (r.n !== undefined) out.remaining = r.n;
  const w = l.w ?? r.w;
  if (w !== undefined) out.windowSeconds = w;
  return out;
}

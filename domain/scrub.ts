// The one secret scrubber: every message built from a peer's answer (an alert receiver, an SMTP server, a
// registry, a hook sender) goes through scrubSecrets with the secrets known in that context before it
// reaches a log line, an Event or a status. Pure, so it lives in domain/ and every program can use it.
// The logger's path redaction (common/logger.ts) is the second net, for fields rather than text.
//
// Peers echo what they were sent, and not always whole: a Slack error says `invalid_token for
// /services/T0/B0/xyz` (the URL's path without its host), a proxy lower-cases the host, a registry quotes
// the Basic credentials it got, an error excerpt ends half-way through a token. So a secret is cut into
// the parts a peer may echo (URL userinfo, path segments and query values that look like credentials,
// percent- and base64-encoded forms), each part is replaced in any letter case, and any run of at least
// PARTIAL characters of a long part is replaced too.

export const REDACTED = '[redacted]';

/** Values shorter than this are not scrubbed: replacing "a" or "ok" everywhere would garble messages. */
const MIN_LENGTH = 3;
/** A part this long is also scrubbed where only a piece of it (PARTIAL characters or more) shows. */
const PARTIAL_FROM = 10;
const PARTIAL = 8;
/** Longest peer text quoted in a message. */
export const EXCERPT_LIMIT = 200;

/** Path segments of webhook URLs that are names, not credentials (`/services/…`, `/api/webhooks/…`). */
const PUBLIC_SEGMENTS = new Set([
  'api',
  'services',
  'webhook',
  'webhooks',
  'webhookb2',
  'hooks',
  'incomingwebhook',
  'workflows',
  'triggers',
  'invoke',
  'v1',
  'v2',
]);

/** A path segment or query value that may be (part of) a credential: long, or with a digit. */
function credentialLike(part: string): boolean {
  if (part.length < MIN_LENGTH || PUBLIC_SEGMENTS.has(part.toLowerCase())) return false;
  return part.length >= 16 || (part.length >= 6 && /\d/.test(part));
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface Part {
  text: string;
  /** Also scrub pieces of it. Not for forms that hold the host name, which messages rightly quote. */
  partial: boolean;
}

function partsOf(secret: string): Part[] {
  const value = secret.trim();
  if (value.length < MIN_LENGTH) return [];
  const parts = new Map<string, boolean>();
  const add = (text: string, partial = true) => {
    if (text.length >= MIN_LENGTH) parts.set(text, (parts.get(text) ?? false) || partial);
  };
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) {
    add(value);
    add(encodeURIComponent(value));
    return [...parts].map(([text, partial]) => ({ text, partial }));
  }
  // The whole URL and the URL without its scheme: error texts quote either.
  add(value, false);
  add(value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''), false);
  // From the path on, as Slack quotes it, and each part that looks like a credential.
  const tail = url.pathname + url.search;
  if (tail.length >= 8) add(tail);
  for (const user of [url.username, url.password]) {
    if (user) {
      add(user);
      add(decoded(user));
    }
  }
  for (const segment of url.pathname.split('/')) {
    if (credentialLike(decoded(segment))) {
      add(segment);
      add(decoded(segment));
    }
  }
  for (const [, v] of url.searchParams) {
    add(v);
    add(encodeURIComponent(v));
  }
  return [...parts].map(([text, partial]) => ({ text, partial }));
}

/** The forms of one secret a peer may echo back (for tests and diagnostics). */
export function secretParts(secret: string): string[] {
  return partsOf(secret).map((p) => p.text);
}

/** Base64 of the UTF-8 bytes of `s`, with web-standard globals only (domain/ uses no Node built-ins). */
export function base64(s: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(s)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `user:password` as an `Authorization: Basic` header carries it (registries may quote it back). */
export function basicAuthForms(username: string | undefined, password: string | undefined): string[] {
  if (!username && !password) return [];
  return [base64(`${username ?? ''}:${password ?? ''}`)];
}

/** Character ranges [start, end) of `lower` covered by `needle` (already lower case), whole or partly. */
function cover(lower: string, needle: string, partial: boolean, marks: Uint8Array): void {
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
    marks.fill(1, at, at + needle.length);
  }
  if (!partial || needle.length < PARTIAL_FROM) return;
  const grams = new Set<string>();
  for (let i = 0; i + PARTIAL <= needle.length; i++) grams.add(needle.slice(i, i + PARTIAL));
  for (let i = 0; i + PARTIAL <= lower.length; i++) {
    if (grams.has(lower.slice(i, i + PARTIAL))) marks.fill(1, i, i + PARTIAL);
  }
}

/**
 * `text` with every form of every secret replaced by `[redacted]`, in any letter case. Secrets are the
 * raw values of that context (webhook URLs, passwords, tokens, header values, HMAC secrets).
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  if (text === '') return text;
  const needles = new Map<string, boolean>();
  for (const s of secrets) {
    if (!s) continue;
    for (const p of partsOf(s)) {
      const key = p.text.toLowerCase();
      needles.set(key, (needles.get(key) ?? false) || p.partial);
    }
  }
  if (needles.size === 0) return text;
  // Lower-casing can change a string's length for a few non-ASCII letters; then positions would drift.
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return scrubByCharacter(text, secrets);
  const marks = new Uint8Array(text.length);
  for (const [needle, partial] of needles) cover(lower, needle, partial, marks);
  let out = '';
  for (let i = 0; i < text.length;) {
    if (marks[i] === 0) {
      out += text[i];
      i++;
      continue;
    }
    while (i < text.length && marks[i] === 1) i++;
    out += REDACTED;
  }
  return out;
}

function scrubByCharacter(text: string, secrets: readonly (string | undefined)[]): string {
  // Rare path: fold case one code unit at a time, so that positions stay (the message comes out lower case).
  const fold = [...text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('');
  return fold.toLowerCase().length === fold.length ? scrubSecrets(fold, secrets) : REDACTED;
}

/**
 * A peer's answer made safe to quote: secrets removed first (so a cut cannot leave half a secret),
 * whitespace collapsed, then cut to `limit` characters.
 */
export function safeExcerpt(
  body: string,
  secrets: readonly (string | undefined)[],
  limit = EXCERPT_LIMIT,
): string {
  // Only the start is quoted, so only the start is scrubbed (answers may be 64 KiB): far enough past the
  // limit that any form of a secret that begins before it ends inside the window (encoded forms are at
  // most three times as long).
  const longest = Math.max(0, ...secrets.map((x) => x?.length ?? 0));
  const collapsed = body
    .slice(0, 2 * (limit + 3 * longest + 16))
    .replace(/\s+/g, ' ')
    .trim();
  const clean = scrubSecrets(collapsed.slice(0, limit + 3 * longest + 16), secrets);
  return clean.length > limit ? `${clean.slice(0, limit)}…` : clean;
}

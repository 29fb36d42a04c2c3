// What a registry's answer says when it is not what we asked for: a Distribution error document
// (`{"errors":[{"code","message"}]}`), or an HTML page from a proxy, a login wall or a web server. Peers'
// bodies are quoted only as a short excerpt (200 characters of text, tags and control characters removed),
// never echoed whole.
import { RegistryBadResponseError } from './errors.js';
import type { ResponseHeaders } from '../http/exchange.js';
import { baseMediaType } from './manifest.js';

/** What the helpers here read of a response. */
export interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
}

const EXCERPT_CHARS = 200;
/** Only the start of a body is looked at for an excerpt; keeps the tag stripper's work small. */
const EXCERPT_WINDOW = 8 * 1024;

/** Text of an HTML document with tags (and script/style contents) dropped; linear, no regex. */
function htmlText(html: string): string {
  const lower = html.toLowerCase();
  const open = lower.indexOf('<title');
  if (open >= 0) {
    const start = lower.indexOf('>', open);
    const end = lower.indexOf('</title', start);
    if (start >= 0 && end > start && html.slice(start + 1, end).trim() !== '')
      return html.slice(start + 1, end);
  }
  let out = '';
  let skipUntil = '';
  for (let i = 0; i < html.length;) {
    if (skipUntil) {
      const close = lower.indexOf(skipUntil, i);
      const end = close < 0 ? -1 : html.indexOf('>', close);
      if (end < 0) break;
      i = end + 1;
      skipUntil = '';
      continue;
    }
    if (html[i] === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) break;
      const tag = lower.slice(i + 1, end);
      if (tag.startsWith('script')) skipUntil = '</script';
      else if (tag.startsWith('style')) skipUntil = '</style';
      out += ' ';
      i = end + 1;
      continue;
    }
    out += html[i];
    i++;
  }
  return out;
}

/** A short, single-line excerpt of a body for messages: text only, at most 200 characters. */
export function bodyExcerpt(body: Uint8Array, contentType: string | null | undefined): string {
  let text = Buffer.from(body.subarray(0, EXCERPT_WINDOW)).toString('utf8');
  const type = baseMediaType(contentType) ?? '';
  if (type.includes('html') || type.includes('xml') || /^\s*</.test(text)) text = htmlText(text);
  text = text
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

function isJsonType(type: string | undefined): boolean {
  return type === undefined || type === 'application/json' || type.endsWith('+json');
}

/**
 * Short description of an error answer for a message: `CODE: message` of a Distribution error document,
 * else the content type and an excerpt (`text/html: "502 Bad Gateway"`); '' for an empty body.
 */
export function describeErrorBody(res: Pick<Answer, 'headers' | 'body'>): string {
  if (res.body.length === 0) return '';
  const type = baseMediaType(res.headers.get('content-type'));
  try {
    const parsed = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
      errors?: Array<{ code?: unknown; message?: unknown }>;
    };
    const first = parsed.errors?.[0];
    if (first) {
      const parts = [first.code, first.message].filter((p) => typeof p === 'string' && p !== '');
      if (parts.length > 0) return bodyExcerpt(Buffer.from(parts.join(': ')), 'text/plain');
    }
    return bodyExcerpt(res.body, type);
  } catch {
    // not JSON: say what it was
  }
  const excerpt = bodyExcerpt(res.body, type);
  // Plain text speaks for itself; for anything else (an HTML page from a proxy) the type says what it was.
  if (type === 'text/plain') return excerpt;
  return `${type ?? 'no content type'}${excerpt ? `: "${excerpt}"` : ''}`;
}

/**
 * The JSON of a successful answer, or a bad-response error that says what came instead (an HTML login
 * page is reported as one, with its status, type and title, not as "invalid JSON").
 */
export function parseJsonAnswer(res: Answer, registry: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(res.body).toString('utf8'));
  } catch {
    const type = baseMediaType(res.headers.get('content-type'));
    const excerpt = bodyExcerpt(res.body, type);
    const sent = isJsonType(type)
      ? `JSON that does not parse${excerpt ? ` ("${excerpt}")` : ''}`
      : `${type ?? 'a body without content type'}${excerpt ? ` ("${excerpt}")` : ''} instead of JSON`;
    throw new RegistryBadResponseError(
      `registry ${registry} answered ${res.status} with ${sent} for ${what}; check that the image's registry is an OCI registry API and not a web page, proxy or login wall in front of it`,
      { status: res.status },
    );
  }
}

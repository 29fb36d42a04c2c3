// One HTTP POST of an alert, with a hard timeout and an error that says what went wrong without the URL:
// for Slack, Discord and Teams the URL path is the credential.
import { readBounded } from '../../common/bounded-body.js';
import { safeExcerpt } from '../../domain/scrub.js';
import { DeliveryError } from './errors.js';

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Secrets of this delivery (the URL, header values, the HMAC secret): never quoted from an answer. */
  secrets?: readonly string[];
}

/**
 * How much of any answer is read at all: a peer that streams without end (or announces gigabytes) costs
 * this much memory and no more; the rest is not read and the connection is closed.
 */
export const RESPONSE_READ_LIMIT = 64 * 1024;

export const USER_AGENT = 'tagpilot-alerts/1';

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the peer';
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset by the peer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not trusted (${code})`;
    default:
      return code ?? cause?.message?.split('\n')[0] ?? 'network error';
  }
}

function requestHeaders(extra: Record<string, string>): Headers {
  const h = new Headers({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
  // set(), not a spread: header names are case-insensitive, and a configured User-Agent replaces ours.
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

export async function postJSON(opts: PostOptions): Promise<{ status: number; body: string }> {
  const host = hostOf(opts.url);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  // Closes the connection once enough of the answer is read.
  const cutoff = new AbortController();
  let res: Response;
  try {
    res = await fetch(opts.url, {
      method: 'POST',
      body: opts.body,
      headers: requestHeaders(opts.headers),
      signal: AbortSignal.any([signal, cutoff.signal]),
      // A redirected POST would silently turn into a GET (or resend credentials elsewhere).
      redirect: 'manual',
    });
  } catch (err) {
    if (signal.aborted) throw new DeliveryError(`${host}: no response within ${opts.timeoutMs} ms`, true);
    const reason = networkReason(err);
    throw new DeliveryError(`${host}: ${reason}`, !TLS_CODES.test(reason));
  }
  let text = '';
  try {
    const { bytes, truncated } = await readBounded(res, RESPONSE_READ_LIMIT, 'truncate');
    text = Buffer.from(bytes).toString('utf8');
    if (truncated) cutoff.abort();
  } catch {
    if (signal.aborted)
      throw new DeliveryError(`${host}: response not complete within ${opts.timeoutMs} ms`, true);
  }
  if (res.status >= 200 && res.status < 300) return { status: res.status, body: text };

  // Peers echo what they got (Slack: `invalid_token for /services/…`): quote a scrubbed excerpt only.
  const snippet = safeExcerpt(text, [opts.url, ...(opts.secrets ?? [])]);
  const detail = `${host}: HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
  if (res.status >= 300 && res.status < 400) {
    throw new DeliveryError(`${detail} (redirect not followed: configure the final URL)`, false);
  }
  const retriable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
  throw new DeliveryError(detail, retriable, parseRetryAfter(res.headers.get('retry-after')));
}

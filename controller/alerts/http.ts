// One HTTP POST of an alert, with a hard timeout and an error that says what went wrong without the URL:
// for Slack, Discord and Teams the URL path is the credential. Sent through the controller's own
// node:http/node:https exchange (controller/http/), as registry requests are: the global fetch would load
// Node's bundled undici on the first alert (docs/benchmarks.md, "Alerts without undici (session 6)").
// Alerts go direct, as they always did: HTTPS_PROXY and friends are for registry requests
// (docs/configuration.md, "Proxies"); TLS trusts the system CAs and NODE_EXTRA_CA_CERTS.
import { readBoundedStream } from '../../common/bounded-body.js';
import { safeExcerpt } from '../../domain/scrub.js';
import { createAgents, type HttpAgents } from '../http/agents.js';
import { exchange, type Exchange } from '../http/exchange.js';
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
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
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
    case 'ERR_INVALID_CHAR': // UNSENDABLE_HEADER
    case 'ERR_INVALID_HTTP_TOKEN':
      // Node's message names the header, never its value.
      return `a header cannot be sent (${(err as Error).message}): remove line breaks and control characters from its value`;
    default:
      return code ?? (err instanceof Error ? err.message.split('\n')[0] : undefined) ?? 'network error';
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
/** Node's codes for a header name or value it will not send. */
const UNSENDABLE_HEADER = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN']);

/**
 * One pair of keep-alive Agents per try timeout (the controller uses one; `tagpilot alert test --timeout`
 * another): the connect timeout is the try's, so the try's own signal is what gives up first.
 */
const agentsByTimeout = new Map<number, HttpAgents>();

function agentsFor(timeoutMs: number): HttpAgents {
  let agents = agentsByTimeout.get(timeoutMs);
  if (!agents) {
    agents = createAgents({ insecureSkipTLSVerify: false, caBundle: undefined }, timeoutMs, {});
    agentsByTimeout.set(timeoutMs, agents);
  }
  return agents;
}

export async function postJSON(opts: PostOptions): Promise<{ status: number; body: string }> {
  const host = hostOf(opts.url);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Exchange;
  try {
    res = await exchange({
      method: 'POST',
      url: opts.url,
      body: opts.body,
      // Configured headers last: names are case-insensitive (the exchange lower-cases them), and a
      // configured User-Agent replaces ours.
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...opts.headers },
      agents: agentsFor(opts.timeoutMs),
      signal,
      // A redirected POST would silently turn into a GET (or resend credentials elsewhere).
      redirect: 'manual',
    });
  } catch (err) {
    if (signal.aborted) throw new DeliveryError(`${host}: no response within ${opts.timeoutMs} ms`, true);
    if ((err as { code?: string }).code === 'ERR_CONNECT_TIMEOUT') {
      throw new DeliveryError(`${host}: no connection within ${opts.timeoutMs} ms`, true);
    }
    const reason = networkReason(err);
    const code = (err as { code?: string }).code ?? '';
    // An untrusted certificate or a header Node refuses to send fails the same way on every try.
    const retriable = !TLS_CODES.test(reason) && !UNSENDABLE_HEADER.has(code);
    throw new DeliveryError(`${host}: ${reason}`, retriable);
  }
  let text = '';
  try {
    // Past the limit the body is destroyed, which closes the connection rather than draining it.
    const { bytes } = await readBoundedStream(
      res.body,
      res.message.headers['content-length'],
      RESPONSE_READ_LIMIT,
      'truncate',
    );
    text = Buffer.from(bytes).toString('utf8');
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

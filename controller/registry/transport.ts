// One HTTP exchange with a registry, made robust: per-attempt timeout, bounded retries with exponential
// backoff and full jitter on 5xx and network errors, 429 honouring Retry-After (and pausing every request
// to that registry meanwhile), a per-host concurrency limit, TLS settings through an undici Agent, and a
// metric per attempt. Everything above this file sees a response or a typed RegistryError.
//
// Requests go through the global `fetch` (looked up at call time, so nock can intercept it in unit tests)
// with an undici Agent as `dispatcher` for CA bundles, insecureSkipTLSVerify and connect timeouts; the npm
// package is kept on the major that Node 24's fetch bundles (undici 7), so the dispatcher interfaces match.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { Logger } from '../../common/logger.js';
import {
  RegistryNetworkError,
  RegistryRateLimitError,
  RegistryServerError,
  RegistryTimeoutError,
  RegistryTLSError,
  type RegistryError,
} from './errors.js';
import { parseRateLimit, retryAfterMs } from './headers.js';
import {
  registryRateLimitRemaining,
  registryRequestDuration,
  registryRequests,
  type RequestKind,
} from './metrics.js';
import { Semaphore } from './semaphore.js';

export interface TransportOptions {
  /** Whole exchange, headers and body, per attempt. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  /** Longest Retry-After we wait out; beyond it the request fails as rate-limited so the caller can reschedule. */
  maxRetryAfterMs: number;
  concurrencyPerRegistry: number;
  userAgent: string;
  proxy: ProxySettings;
  logger: Logger | undefined;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma-separated hosts, domains (`.example.com`) and `*`, as in NO_PROXY. */
  noProxy?: string;
}

/** The proxy the environment asks for; empty when none is set. */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY') ?? httpProxy;
  const noProxy = pick('NO_PROXY');
  return {
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy ? { noProxy } : {}),
  };
}

export interface TlsSettings {
  insecureSkipTLSVerify: boolean;
  caBundle: string | undefined;
}

export interface HttpRequest {
  /** Registry host the request is for: metrics label and message subject (token requests included). */
  registry: string;
  kind: RequestKind;
  method: 'GET' | 'HEAD' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  tls: TlsSettings;
  /** What was asked, for messages: `tags of ghcr.io/acme/web`. */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** Final URL after redirects. */
  url: string;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** Connection errors worth another attempt; DNS names that do not exist are not. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

let extraCAs: string[] | undefined;

/** PEM of NODE_EXTRA_CA_CERTS, which Node adds to its default trust store but not to tls.rootCertificates. */
function extraCACertificates(): string[] {
  if (extraCAs === undefined) {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    try {
      extraCAs = file ? [readFileSync(file, 'utf8')] : [];
    } catch {
      extraCAs = []; // Node already warned about the unreadable file at startup
    }
  }
  return extraCAs;
}

/** Short `CODE: message` of a Distribution error body (`{"errors":[{"code","message"}]}`), else ''. */
export function describeErrorBody(body: Uint8Array): string {
  if (body.length === 0) return '';
  const text = Buffer.from(body).toString('utf8');
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (first) {
      const parts = [first.code, first.message].filter((p) => typeof p === 'string' && p !== '');
      if (parts.length > 0) return parts.join(': ').slice(0, 200);
    }
  } catch {
    // not JSON: fall through to the text
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export class Transport {
  private readonly semaphores = new Map<string, Semaphore>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly agents = new Map<string, Dispatcher>();

  constructor(private readonly options: TransportOptions) {}

  /**
   * Sends `req`, retrying what may pass on a second try. Returns any response that is not 429 or a
   * retryable 5xx (the caller interprets 401/404/…); throws a RegistryError when retries run out.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { maxAttempts } = this.options;
    const host = new URL(req.url).host;
    for (let attempt = 1; ; attempt++) {
      await this.waitWhilePaused(host);
      let res: HttpResponse;
      try {
        res = await this.semaphore(host).run(() => this.attempt(req));
      } catch (err) {
        const mapped = this.mapFetchError(err, req);
        const retryable = (mapped.kind === 'timeout' || mapped.kind === 'network') && mapped.transient;
        if (!retryable || attempt >= maxAttempts) throw mapped;
        this.options.logger?.debug(
          { registry: req.registry, kind: req.kind, attempt, error: mapped.message },
          'retrying',
        );
        await this.options.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'), this.options.now());
        if (attempt >= maxAttempts || (wait !== undefined && wait > this.options.maxRetryAfterMs)) {
          throw this.rateLimited(req, res, wait);
        }
        const delay = wait ?? this.backoff(attempt);
        this.pausedUntil.set(host, Math.max(this.pausedUntil.get(host) ?? 0, this.options.now() + delay));
        this.options.logger?.warn(
          { registry: req.registry, kind: req.kind, delayMs: delay },
          'rate limited; waiting',
        );
        continue;
      }
      if (res.status >= 500 && res.status !== 501 && res.status !== 505) {
        if (attempt >= maxAttempts) {
          const detail = describeErrorBody(res.body);
          throw new RegistryServerError(
            `registry ${req.registry} answered ${res.status} for ${req.what} ${attempt} times${detail ? ` (${detail})` : ''}; it is failing, retry later`,
            { status: res.status },
          );
        }
        await this.options.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 400 && req.url.startsWith('http:')) {
        const text = Buffer.from(res.body).toString('utf8');
        if (text.includes('HTTP request to an HTTPS server')) {
          throw new RegistryTLSError(
            `registry ${req.registry} speaks HTTPS, not plain HTTP; unset plainHTTP (--plain-http) for it`,
            { status: 400 },
          );
        }
      }
      return res;
    }
  }

  /** Full jitter: a random delay up to base·2^(attempt-1), capped; spreads retries of many Images apart. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(
      this.options.maxRetryDelayMs,
      this.options.retryBaseDelayMs * 2 ** (attempt - 1),
    );
    return Math.round(this.options.random() * ceiling);
  }

  private async waitWhilePaused(host: string): Promise<void> {
    const until = this.pausedUntil.get(host);
    if (until === undefined) return;
    const wait = until - this.options.now();
    if (wait > 0) await this.options.sleep(wait);
    else this.pausedUntil.delete(host);
  }

  private semaphore(host: string): Semaphore {
    let s = this.semaphores.get(host);
    if (!s) {
      s = new Semaphore(this.options.concurrencyPerRegistry);
      this.semaphores.set(host, s);
    }
    return s;
  }

  private agent(tls: TlsSettings): Dispatcher {
    const key = `${tls.insecureSkipTLSVerify}|${tls.caBundle ? createHash('sha256').update(tls.caBundle).digest('hex') : ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const connect = {
        timeout: this.options.connectTimeoutMs,
        rejectUnauthorized: !tls.insecureSkipTLSVerify,
        // `ca` replaces Node's trust store, so the system roots (and NODE_EXTRA_CA_CERTS) are kept next
        // to the extra bundle.
        ...(tls.caBundle ? { ca: [...rootCertificates, ...extraCACertificates(), tls.caBundle] } : {}),
      };
      const { httpProxy, httpsProxy, noProxy } = this.options.proxy;
      agent =
        httpProxy || httpsProxy
          ? // Through a proxy the registry's TLS runs inside the CONNECT tunnel: `requestTls` carries the
            // same trust settings there; `connect` still applies to hosts that NO_PROXY exempts.
            new EnvHttpProxyAgent({
              ...{ httpProxy, httpsProxy, noProxy, connect },
              requestTls: connect,
            })
          : new Agent({ connect });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private async attempt(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    let status = 'error';
    try {
      const res = await globalThis.fetch(req.url, {
        method: req.method,
        headers: { 'user-agent': this.options.userAgent, ...req.headers },
        ...(req.body === undefined ? {} : { body: req.body }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'follow',
        // `dispatcher` is undici's extension to RequestInit, absent from the DOM typings.
        dispatcher: this.agent(req.tls),
      } as RequestInit);
      const body = req.method === 'HEAD' ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
      status = String(res.status);
      this.noteRateLimit(req.registry, res.headers);
      this.options.logger?.debug(
        {
          registry: req.registry,
          kind: req.kind,
          method: req.method,
          path: new URL(req.url).pathname,
          status: res.status,
        },
        'registry request',
      );
      return { status: res.status, headers: res.headers, body, url: res.url || req.url };
    } catch (err) {
      status = this.mapFetchError(err, req).kind;
      throw err;
    } finally {
      registryRequests.inc({ registry: req.registry, kind: req.kind, status });
      registryRequestDuration.observe(
        { registry: req.registry, kind: req.kind },
        (performance.now() - started) / 1000,
      );
    }
  }

  private noteRateLimit(registry: string, headers: Headers): void {
    const info = parseRateLimit(headers.get('ratelimit-limit'), headers.get('ratelimit-remaining'));
    if (info.remaining !== undefined) registryRateLimitRemaining.set({ registry }, info.remaining);
  }

  private rateLimited(
    req: HttpRequest,
    res: HttpResponse,
    waitMs: number | undefined,
  ): RegistryRateLimitError {
    const info = parseRateLimit(res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining'));
    const parts = [`registry ${req.registry} rate-limited ${req.what} (429)`];
    if (info.limit !== undefined) {
      const window =
        info.windowSeconds === undefined
          ? ''
          : ` per ${Math.round(info.windowSeconds / 3600) || info.windowSeconds / 60} h`;
      parts.push(`limit ${info.limit}${window}, ${info.remaining ?? 0} left`);
    }
    const seconds = waitMs === undefined ? undefined : Math.ceil(waitMs / 1000);
    parts.push(
      seconds === undefined
        ? 'retry later; authenticated pulls (an imagePullSecret) usually get a higher limit'
        : `retry after ${seconds} s; authenticated pulls (an imagePullSecret) usually get a higher limit`,
    );
    return new RegistryRateLimitError(parts.join('; '), {
      status: 429,
      ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
    });
  }

  /** Turns what fetch threw into a typed error with advice. */
  mapFetchError(err: unknown, req: HttpRequest): RegistryError {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return new RegistryTimeoutError(
        `registry ${req.registry} did not answer ${req.what} within ${this.options.timeoutMs / 1000} s`,
        { cause: err },
      );
    }
    const code = errorCode(err);
    if (
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return new RegistryTimeoutError(
        `registry ${req.registry} did not answer ${req.what} in time (${code})`,
        {
          cause: err,
        },
      );
    }
    if (
      code !== undefined &&
      (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    ) {
      const wrongProtocol =
        code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG';
      const advice = wrongProtocol
        ? 'it seems to speak plain HTTP: set plainHTTP (--plain-http) for it'
        : 'trust its CA (caBundle, --ca-file) or, on a trusted network, set insecureSkipTLSVerify (--insecure)';
      return new RegistryTLSError(
        `TLS with registry ${req.registry} failed (${code}: ${errorText(err)}); ${advice}`,
        {
          cause: err,
        },
      );
    }
    if (code === 'ENOTFOUND') {
      return new RegistryNetworkError(
        `registry host ${new URL(req.url).hostname} does not resolve (DNS); check the image's registry name`,
        { cause: err, transient: false },
      );
    }
    return new RegistryNetworkError(
      `cannot reach registry ${req.registry} for ${req.what} (${code ?? errorText(err)}); check that it is up and reachable`,
      { cause: err, transient: code === undefined || RETRYABLE_NETWORK_CODES.has(code) },
    );
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}

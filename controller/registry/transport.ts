// One HTTP exchange with a registry, made robust: one deadline for the whole request (waiting for a permit,
// every attempt and the pauses between them), bounded retries with exponential backoff and full jitter on
// 5xx and network errors within that deadline, 429 honouring Retry-After when it fits (and pausing every
// request to that host meanwhile), a per-host concurrency limit, a per-host circuit breaker after
// timeouts, bodies read with hard size limits, TLS settings through node:https Agents, and a metric per
// attempt. Everything above this file sees a response or a typed RegistryError.
//
// Requests go through node:http/node:https (controller/http/exchange.ts) with the Agents of
// controller/http/agents.ts.
import { BodyTooLargeError, readBoundedStream } from '../../common/bounded-body.js';
import type { Logger } from '../../common/logger.js';
import {
  agentKey,
  createAgents,
  type ProxySettings,
  type HttpAgents,
  type TlsSettings,
} from '../http/agents.js';
import { describeErrorBody } from './answers.js';
import { HostBreakers } from './breaker.js';
import {
  RegistryRateLimitError,
  RegistryResponseTooLargeError,
  RegistryServerError,
  RegistryTimeoutError,
  RegistryTLSError,
  isRegistryError,
} from './errors.js';
import { mapFetchError, seconds } from './fetch-errors.js';
import { parseRateLimit, retryAfterMs } from './headers.js';
import { exchange, type Exchange, type ResponseHeaders } from '../http/exchange.js';
import { BODY_LIMITS, ERROR_BODY_LIMIT, formatBytes } from './limits.js';
import {
  registryCircuitOpen,
  registryRateLimitRemaining,
  registryRequestDuration,
  registryRequests,
  type RequestKind,
} from './metrics.js';
import { Semaphore } from './semaphore.js';

export interface TransportOptions {
  /** Deadline of one request: waiting for a permit, every attempt (headers and body) and the pauses between. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  /** Longest Retry-After we wait out; beyond it the request fails as rate-limited so the caller can reschedule. */
  maxRetryAfterMs: number;
  concurrencyPerRegistry: number;
  /** After a timeout, requests to that host fail at once for this long; then one tries again. */
  breakerCooldownMs: number;
  userAgent: string;
  proxy: ProxySettings;
  logger: Logger | undefined;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
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
  /** Largest successful body read; default the kind's limit (limits.ts). */
  maxBodyBytes?: number;
  /** How the limit is written in the message when it is not just `maxBodyBytes` (`16 MiB for all pages`). */
  bodyLimitText?: string;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
  /** Final URL after redirects. */
  url: string;
}

function roughBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : formatBytes(n);
}

export class Transport {
  private readonly semaphores = new Map<string, Semaphore>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly agents = new Map<string, HttpAgents>();
  private readonly breakers: HostBreakers;

  constructor(private readonly options: TransportOptions) {
    this.breakers = new HostBreakers(options.breakerCooldownMs, options.now, (host, open) =>
      registryCircuitOpen.set({ registry: host }, open ? 1 : 0),
    );
  }

  /**
   * Sends `req`, retrying what may pass on a second try while its deadline allows. Returns any response
   * that is not 429 or a retryable 5xx (the caller interprets 401/404/…); throws a RegistryError otherwise.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { maxAttempts, timeoutMs, now } = this.options;
    const host = new URL(req.url).host;
    const started = now();
    const remaining = () => started + timeoutMs - now();
    // One deadline for everything this request does, so that "within 30 s" in a message is the truth.
    const deadline = AbortSignal.timeout(timeoutMs);
    for (let attempt = 1; ; attempt++) {
      await this.waitWhilePaused(host, req, remaining());
      let res: HttpResponse;
      let admission: 'closed' | 'trial' | 'refused' | undefined;
      try {
        res = await this.semaphore(host).run(() => {
          admission = this.breakers.admit(host);
          if (admission === 'refused') throw this.refused(req, host);
          return this.attempt(req, deadline);
        }, deadline);
      } catch (err) {
        if (admission === 'refused') throw err;
        if (isRegistryError(err)) {
          // It answered, just not usefully (a body over the limit): not a reason to stop asking it.
          this.breakers.answered(host);
          throw err;
        }
        const mapped = mapFetchError(err, {
          registry: req.registry,
          url: req.url,
          what: req.what,
          deadlineMs: timeoutMs,
          connectTimeoutMs: this.options.connectTimeoutMs,
          attempts: attempt,
          elapsedMs: now() - started,
        });
        if (mapped.kind === 'timeout') this.breakers.timedOut(host);
        else this.breakers.answered(host);
        const retryable =
          (mapped.kind === 'timeout' || mapped.kind === 'network') && mapped.transient && !deadline.aborted;
        const delay = this.backoff(attempt);
        if (!retryable || attempt >= maxAttempts || delay >= remaining()) throw mapped;
        this.options.logger?.debug(
          { registry: req.registry, kind: req.kind, attempt, error: mapped.message },
          'retrying',
        );
        await this.options.sleep(delay);
        continue;
      }
      this.breakers.answered(host);
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'), now());
        const delay = wait ?? this.backoff(attempt);
        // A pause longer than the deadline allows fails now with the registry's Retry-After, so the
        // Image is retried after it without holding an evaluation slot meanwhile.
        if (
          attempt >= maxAttempts ||
          (wait !== undefined && wait > this.options.maxRetryAfterMs) ||
          delay >= remaining()
        ) {
          throw this.rateLimited(req, res, wait);
        }
        this.pausedUntil.set(host, Math.max(this.pausedUntil.get(host) ?? 0, now() + delay));
        this.options.logger?.warn(
          { registry: req.registry, kind: req.kind, delayMs: delay },
          'rate limited; waiting',
        );
        continue;
      }
      if (res.status >= 500 && res.status !== 501 && res.status !== 505) {
        const delay = this.backoff(attempt);
        if (attempt >= maxAttempts || delay >= remaining()) {
          const detail = describeErrorBody(res);
          throw new RegistryServerError(
            `registry ${req.registry} answered ${res.status} for ${req.what} ${attempt === 1 ? 'once' : `${attempt} times`}${detail ? ` (${detail})` : ''}; it is failing, retry later`,
            { status: res.status },
          );
        }
        await this.options.sleep(delay);
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

  /** Waits out a 429 pause of the host, or fails at once as rate-limited when it outlasts the deadline. */
  private async waitWhilePaused(host: string, req: HttpRequest, remainingMs: number): Promise<void> {
    const until = this.pausedUntil.get(host);
    if (until === undefined) return;
    const wait = until - this.options.now();
    if (wait <= 0) {
      this.pausedUntil.delete(host);
      return;
    }
    if (wait >= remainingMs) {
      const seconds = Math.ceil(wait / 1000);
      throw new RegistryRateLimitError(
        `registry ${req.registry} rate-limited requests (429) and asked to wait; retry after ${seconds} s`,
        { status: 429, retryAfterSeconds: seconds },
      );
    }
    await this.options.sleep(wait);
  }

  private refused(req: HttpRequest, host: string): RegistryTimeoutError {
    return new RegistryTimeoutError(
      `registry ${host} did not answer a request within ${seconds(this.options.timeoutMs)}; requests to it fail at once for ${seconds(this.options.breakerCooldownMs)} after a timeout (this one was for ${req.what}), then one tries again`,
    );
  }

  private semaphore(host: string): Semaphore {
    let s = this.semaphores.get(host);
    if (!s) {
      s = new Semaphore(this.options.concurrencyPerRegistry);
      this.semaphores.set(host, s);
    }
    return s;
  }

  private agent(tls: TlsSettings): HttpAgents {
    const key = agentKey(tls);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = createAgents(tls, this.options.connectTimeoutMs, this.options.proxy);
      this.agents.set(key, agent);
    }
    return agent;
  }

  private async attempt(req: HttpRequest, deadline: AbortSignal): Promise<HttpResponse> {
    const started = performance.now();
    let status = 'error';
    try {
      const res = await exchange({
        method: req.method,
        url: req.url,
        headers: { 'user-agent': this.options.userAgent, ...req.headers },
        ...(req.body === undefined ? {} : { body: req.body }),
        agents: this.agent(req.tls),
        signal: deadline,
      });
      const body = await this.readBody(req, res);
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
      return { status: res.status, headers: res.headers, body, url: res.url };
    } catch (err) {
      status =
        err instanceof RegistryResponseTooLargeError
          ? 'too_large'
          : mapFetchError(err, {
              registry: req.registry,
              url: req.url,
              what: req.what,
              deadlineMs: 0,
              connectTimeoutMs: 0,
              attempts: 1,
              elapsedMs: 0,
            }).kind;
      throw err;
    } finally {
      registryRequests.inc({ registry: req.registry, kind: req.kind, status });
      registryRequestDuration.observe(
        { registry: req.registry, kind: req.kind },
        (performance.now() - started) / 1000,
      );
    }
  }

  /**
   * The body, read while it streams: a success up to the kind's limit, an error answer up to an excerpt.
   * Past either, the connection is closed rather than drained.
   */
  private async readBody(req: HttpRequest, res: Exchange): Promise<Uint8Array> {
    if (req.method === 'HEAD') {
      res.body.resume(); // frees the connection for the next request
      return new Uint8Array();
    }
    const ok = res.status >= 200 && res.status < 300;
    const limit = ok ? (req.maxBodyBytes ?? BODY_LIMITS[req.kind]) : ERROR_BODY_LIMIT;
    try {
      const read = await readBoundedStream(
        res.body,
        res.message.headers['content-length'],
        limit,
        ok ? 'error' : 'truncate',
      );
      return read.bytes;
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      const host = new URL(res.url).host;
      const announced = err.announced === undefined ? '' : ` (it announced ${roughBytes(err.announced)})`;
      const advice =
        req.kind === 'tags'
          ? 'a tag list that large means hundreds of thousands of tags or a server that is not a registry: prune old tags or check spec.image'
          : `check that ${req.registry} is an OCI registry and not a file server or proxy in front of one`;
      throw new RegistryResponseTooLargeError(
        `response too large: ${req.what} from ${host} exceeded ${req.bodyLimitText ?? formatBytes(limit)}${announced}; Tagpilot stops reading there (limits in docs/registries.md): ${advice}`,
        { status: res.status, limitBytes: limit, cause: err },
      );
    }
  }

  private noteRateLimit(registry: string, headers: ResponseHeaders): void {
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

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    for (const a of agents) {
      a.http.destroy();
      a.https.destroy();
    }
  }
}

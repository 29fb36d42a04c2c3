// What callers can ask of a RegistryClient: its options (defaults in docs/registries.md) and the options
// and results of its calls.
import type { Logger } from '../../common/logger.js';
import type { ProxySettings } from '../http/agents.js';
import type { Platform } from '../../domain/image/platform.js';

export interface RegistryClientOptions {
  /** How long a tag list is reused by every Image following the repository. Default 60 s. */
  tagsTtlMs?: number;
  /** How long a tag's digest (a HEAD) is reused. Default 60 s. */
  digestTtlMs?: number;
  /** Tags asked for per page (`n`); registries may send fewer and link to the next page. Default 1000. */
  pageSize?: number;
  /**
   * Deadline of one request: waiting for a permit, every attempt (headers and body) and the pauses
   * between retries together. Default 30 s.
   */
  timeoutMs?: number;
  /** TCP + TLS handshake. Default 10 s. */
  connectTimeoutMs?: number;
  /** Attempts per request on 5xx, 429, timeouts and connection errors, the first included. Default 3. */
  maxAttempts?: number;
  /** First retry waits up to this (full jitter), doubling per attempt. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Cap of one backoff delay. Default 10 s. */
  maxRetryDelayMs?: number;
  /** Longest Retry-After waited out; longer ones fail as rate-limited with retryAfterSeconds. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Requests in flight per registry host. Default 8. */
  concurrencyPerRegistry?: number;
  /** After a request to a host times out, its requests fail at once for this long. Default 30 s. */
  breakerCooldownMs?: number;
  userAgent?: string;
  /**
   * Outbound HTTP(S) proxy. Default: the standard `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` environment
   * variables (either case), as curl and Go programs read them.
   */
  proxy?: ProxySettings;
  /** Debug lines per request and warnings on rate limits; never headers or bodies. */
  logger?: Logger;
  /** Test seams. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface ListTagsOptions {
  /** Skip the cache (e.g. a webhook said the repository changed); still joins a listing in flight. */
  fresh?: boolean;
}

export interface DigestOptions {
  /** Digest of the image for this platform (`linux/arm64`) instead of the tag's own (index) digest. */
  platform?: Platform | string;
  /** Skip the cached HEAD result. */
  fresh?: boolean;
}

/** One platform's image behind a tag. */
export interface PlatformImage {
  platform: Platform;
  digest: string;
}

// Bounded retries with exponential backoff and jitter. The schedule is a pure function so tests can
// check it without waiting; the runner takes its clock (sleep) and randomness from the caller.
import { DeliveryError } from './errors.js';

export interface RetryPolicy {
  /** Tries in total, the first one included. */
  attempts: number;
  /** Backoff before the second try; doubles after each failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A peer's Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Wait after the `failed`-th failed try (1-based). "Equal jitter": half the exponential step plus a random
 * part of the other half, so channels that failed together do not retry together, yet never at once.
 */
export function backoffDelay(
  failed: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failed - 1));
  const jittered = Math.round(step / 2 + (random() * step) / 2);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}

export interface RetryResult {
  ok: boolean;
  attempts: number;
  error?: DeliveryError;
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  onAttempt?: (attempt: number) => void;
}

/** Runs `fn` until it succeeds, fails for good, or the tries are used up. Never throws. */
export async function withRetries(
  fn: (attempt: number) => Promise<void>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<RetryResult> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  let error: DeliveryError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    deps.onAttempt?.(attempt);
    try {
      await fn(attempt);
      return { ok: true, attempts: attempt };
    } catch (err) {
      error =
        err instanceof DeliveryError ? err : new DeliveryError(String((err as Error)?.message ?? err), false);
      if (!error.retriable || attempt === attempts) return { ok: false, attempts: attempt, error };
      await deps.sleep(backoffDelay(attempt, policy, deps.random, error.retryAfterMs));
    }
  }
  return { ok: false, attempts, ...(error ? { error } : {}) };
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

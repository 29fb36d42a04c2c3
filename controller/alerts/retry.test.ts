import { describe, expect, it } from 'vitest';
import { DeliveryError } from './errors.js';
import { parseRetryAfter } from './http.js';
import { backoffDelay, DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 5000, maxRetryAfterMs: 20_000 };

describe('backoffDelay', () => {
  it.each([
    // failed try, random, retry-after, expected
    [1, 0, undefined, 500],
    [1, 1, undefined, 1000],
    [2, 0.5, undefined, 1500],
    [3, 1, undefined, 4000],
    [4, 1, undefined, 5000], // capped by maxDelayMs
    [10, 0, undefined, 2500],
    [1, 0, 8000, 8000], // the peer asked for longer
    [1, 1, 200, 1000], // never shorter than our own backoff
    [1, 0, 60_000, 20_000], // Retry-After capped
  ])('after try %i with random %d and Retry-After %s: %i ms', (failed, random, retryAfter, expected) => {
    expect(backoffDelay(failed, policy, () => random, retryAfter)).toBe(expected);
  });

  it('defaults to 3 tries', () => {
    expect(DEFAULT_RETRY.attempts).toBe(3);
  });
});

describe('withRetries', () => {
  const run = async (errors: (DeliveryError | undefined)[]) => {
    const slept: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        const e = errors[calls++];
        if (e) throw e;
      },
      policy,
      { sleep: async (ms) => void slept.push(ms), random: () => 0 },
    );
    return { result, slept, calls };
  };

  it('stops at the first success', async () => {
    const { result, slept, calls } = await run([new DeliveryError('500', true), undefined]);
    expect(result).toEqual({ ok: true, attempts: 2 });
    expect(calls).toBe(2);
    expect(slept).toEqual([500]);
  });

  it('does not retry a permanent failure', async () => {
    const { result, calls, slept } = await run([new DeliveryError('404', false)]);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.error?.message).toBe('404');
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('gives up after the last try, with growing backoff in between', async () => {
    const e = new DeliveryError('down', true);
    const { result, slept, calls } = await run([e, e, e, e, e]);
    expect(result).toMatchObject({ ok: false, attempts: 4 });
    expect(calls).toBe(4);
    expect(slept).toEqual([500, 1000, 2000]);
  });

  it('honours Retry-After', async () => {
    const { slept } = await run([new DeliveryError('429', true, 7000), undefined]);
    expect(slept).toEqual([7000]);
  });

  it('treats an unexpected exception as a permanent failure', async () => {
    const result = await withRetries(
      async () => {
        throw new TypeError('boom');
      },
      policy,
      { sleep: async () => undefined, random: () => 0 },
    );
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error?.message).toBe('boom');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it.each([
    [null, undefined],
    ['', undefined],
    ['5', 5000],
    ['0.5', 500],
    ['Sun, 01 Mar 2026 10:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 09:00:00 GMT', 0],
    ['soon', undefined],
  ])('%j → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { TtlCache, type CacheOutcome } from './cache.js';
import { Semaphore } from './semaphore.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TtlCache', () => {
  it('reuses a value until its TTL passes', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>({ ttlMs: 100, now: () => now });
    const load = async () => ++loads;
    const outcomes: CacheOutcome[] = [];
    const onOutcome = (o: CacheOutcome) => outcomes.push(o);
    expect(await cache.get('k', load, { onOutcome })).toBe(1);
    now = 99;
    expect(await cache.get('k', load, { onOutcome })).toBe(1);
    now = 100;
    expect(await cache.get('k', load, { onOutcome })).toBe(2);
    expect(outcomes).toEqual(['miss', 'hit', 'miss']);
  });

  it('coalesces identical loads in flight, also for fresh requests', async () => {
    const cache = new TtlCache<string>({ ttlMs: 1000 });
    const gate = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return gate.promise;
    };
    const outcomes: CacheOutcome[] = [];
    const onOutcome = (o: CacheOutcome) => outcomes.push(o);
    const all = [
      cache.get('k', load, { onOutcome }),
      cache.get('k', load, { onOutcome }),
      cache.get('k', load, { fresh: true, onOutcome }),
    ];
    gate.resolve('v');
    expect(await Promise.all(all)).toEqual(['v', 'v', 'v']);
    expect(loads).toBe(1);
    expect(outcomes).toEqual(['miss', 'coalesced', 'coalesced']);
  });

  it('does not cache failures, but everyone who joined gets the error', async () => {
    const cache = new TtlCache<string>({ ttlMs: 1000 });
    const gate = deferred<string>();
    const a = cache.get('k', () => gate.promise);
    const b = cache.get('k', () => Promise.resolve('never'));
    gate.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('skips the cached value when asked for a fresh one', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000 });
    await cache.get('k', async () => 1);
    expect(await cache.get('k', async () => 2, { fresh: true })).toBe(2);
    expect(await cache.get('k', async () => 3)).toBe(2);
  });

  it('honours a per-value TTL and drops the oldest entries beyond maxEntries', async () => {
    let now = 0;
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => now });
    await cache.get('short', async () => 1, { ttlFor: () => 10 });
    now = 10;
    expect(cache.peek('short')).toBeUndefined();
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.peek('a')).toBeUndefined();
    expect([cache.peek('b'), cache.peek('c')]).toEqual([2, 3]);
  });

  it('drops the least recently used entry, not the first inserted (manifests and configs stay while used)', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(await cache.get('a', async () => -1)).toBe(1);
    cache.set('c', 3);
    expect(cache.peek('b')).toBeUndefined();
    expect([cache.peek('a'), cache.peek('c')]).toEqual([1, 3]);
  });
});

describe('Semaphore', () => {
  it('never runs more than its limit at once and runs everything', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const runs = gates.map((g, i) =>
      s.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await g.promise;
        active--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(s.inFlight).toBe(2);
    expect(s.queued).toBe(3);
    for (const g of gates) g.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(s.inFlight).toBe(0);
  });

  it('releases its slot when a task fails', async () => {
    const s = new Semaphore(1);
    await expect(s.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await s.run(async () => 'ok')).toBe('ok');
  });

  it('lets a waiter give up when its signal aborts, without losing the slot it never got', async () => {
    const s = new Semaphore(1);
    const gate = deferred<void>();
    const holder = s.run(() => gate.promise);
    const abort = new AbortController();
    const waiter = s.run(async () => 'ran', abort.signal);
    await Promise.resolve();
    expect(s.queued).toBe(1);
    abort.abort(new Error('deadline passed'));
    await expect(waiter).rejects.toThrow('deadline passed');
    expect(s.queued).toBe(0);
    gate.resolve();
    await holder;
    expect(s.inFlight).toBe(0);
    expect(await s.run(async () => 'next')).toBe('next');
  });

  it('rejects a limit below 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

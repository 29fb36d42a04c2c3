import { describe, expect, it } from 'vitest';
import { selectorMatches } from './pods.js';
import { SharedLists } from './shared-lists.js';

describe('SharedLists', () => {
  it('shares a list within the TTL, lists again after it, and keeps it current with our writes', async () => {
    let now = 0;
    let loads = 0;
    const lists = new SharedLists<string>(2_000, () => now);
    const load = async () => [`list ${++loads}`];
    expect(await lists.get('ns', load)).toEqual(['list 1']);
    now = 1_999;
    expect(await lists.get('ns', load)).toEqual(['list 1']);
    lists.update('ns', (items) => [...items, 'written']);
    expect(await lists.get('ns', load)).toEqual(['list 1', 'written']);
    expect(await lists.get('other', load)).toEqual(['list 2']);
    now = 2_000;
    expect(await lists.get('ns', load)).toEqual(['list 3']);
  });

  it('does not keep a failed list, and shares nothing with TTL 0', async () => {
    let loads = 0;
    const lists = new SharedLists<number>(2_000, () => 0);
    await expect(lists.get('ns', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await lists.get('ns', async () => [++loads])).toEqual([1]);
    const none = new SharedLists<number>(0, () => 0);
    await none.get('ns', async () => [++loads]);
    expect(await none.get('ns', async () => [++loads])).toEqual([3]);
  });

  it('hands out copies: a caller changing its array does not change the shared one', async () => {
    const lists = new SharedLists<number>(2_000, () => 0);
    (await lists.get('ns', async () => [1, 2])).push(3);
    expect(await lists.get('ns', async () => [9])).toEqual([1, 2]);
  });
});

describe('SharedLists, fresh lists (apply)', () => {
  const deferred = () => {
    let resolve!: (v: string[]) => void;
    const promise = new Promise<string[]>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('never hands a fresh caller a list that started before it asked, even within the TTL', async () => {
    let loads = 0;
    const lists = new SharedLists<string>(60_000, () => 0);
    const load = async () => [`list ${++loads}`];
    expect(await lists.get('ns', load)).toEqual(['list 1']);
    expect(await lists.get('ns', load, { fresh: true })).toEqual(['list 2']);
    // The fresh list also serves the TTL readers after it.
    expect(await lists.get('ns', load)).toEqual(['list 2']);
  });

  it('queues one list behind the one in flight, shared by every fresh caller that asks meanwhile', async () => {
    const first = deferred();
    const loads: string[] = [];
    const lists = new SharedLists<string>(0);
    const running = lists.get('ns', () => (loads.push('first'), first.promise));
    const callers = [1, 2, 3].map(() =>
      lists.get('ns', async () => (loads.push('queued'), ['after']), { fresh: true }),
    );
    expect(loads).toEqual(['first']);
    first.resolve(['before']);
    expect(await running).toEqual(['before']);
    expect(await Promise.all(callers)).toEqual([['after'], ['after'], ['after']]);
    expect(loads).toEqual(['first', 'queued']);
  });

  it('a failed list in flight does not fail the queued one', async () => {
    const lists = new SharedLists<string>(0);
    const running = lists.get('ns', () => Promise.reject(new Error('down')));
    const fresh = lists.get('ns', async () => ['ok'], { fresh: true });
    await expect(running).rejects.toThrow('down');
    expect(await fresh).toEqual(['ok']);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, false],
    [
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] },
      false,
    ],
  ])('%j → %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

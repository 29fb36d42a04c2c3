import { describe, expect, it } from 'vitest';
import type { Cache } from '../../common/cache.js';
import { WatchedLists } from './watched-lists.js';

interface Obj {
  metadata: { name: string; namespace: string };
}

/** Stands in for common/cache.ts: the test says when it has synced and whether its watch is failing. */
class FakeCache {
  items: Obj[] = [];
  synced = false;
  live = false;
  started = 0;
  namespaces: string[] | undefined; // undefined: all
  private waiters: (() => void)[] = [];
  start() {
    this.started++;
    return this.whenSynced();
  }
  whenSynced() {
    return this.synced ? Promise.resolve() : new Promise<void>((r) => this.waiters.push(r));
  }
  sync() {
    this.synced = this.live = true;
    for (const w of this.waiters.splice(0)) w();
  }
  stop() {
    return Promise.resolve();
  }
  get isSynced() {
    return this.synced;
  }
  isLive() {
    return this.live;
  }
  watches(ns: string) {
    return !this.namespaces || this.namespaces.includes(ns);
  }
  list(ns: string) {
    return this.items.filter((o) => o.metadata.namespace === ns);
  }
  upsert(o: Obj) {
    this.items = this.items.map((x) => (x.metadata.name === o.metadata.name ? o : x));
  }
}

const o = (namespace: string, name: string): Obj => ({ metadata: { name, namespace } });

function setup(syncWaitMs = 10_000) {
  const caches = [new FakeCache(), new FakeCache()];
  const fallbacks: string[] = [];
  const lists = new WatchedLists<Obj>({
    caches: caches as unknown as Cache<Obj>[],
    fallback: async (ns) => (fallbacks.push(ns), [o(ns, 'listed')]),
    syncWaitMs,
  });
  return { caches, lists, fallbacks };
}

const names = (l: Obj[]) => l.map((x) => x.metadata.name);

describe('WatchedLists', () => {
  it('reads the apiserver before start(); after it, waits for the first lists and reads every cache', async () => {
    const { caches, lists, fallbacks } = setup();
    caches[0]!.items = [o('team', 'a'), o('other', 'b')];
    caches[1]!.items = [o('team', 'c')];
    expect(names(await lists.list('team'))).toEqual(['listed']);
    lists.start();
    expect(caches.map((c) => c.started)).toEqual([1, 1]);
    let answered: Obj[] | undefined;
    const pending = lists.list('team').then((l) => (answered = l));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBeUndefined(); // never acts on a cache that has not synced
    caches[0]!.sync();
    caches[1]!.sync();
    await pending;
    expect(names(answered!)).toEqual(['a', 'c']);
    expect(fallbacks).toEqual(['team']);
    lists.upsert(1, { metadata: { name: 'c', namespace: 'team' } });
    expect(caches[1]!.items).toHaveLength(1);
  });

  it('falls back while a watch fails, and for a namespace no cache watches', async () => {
    const { caches, lists, fallbacks } = setup();
    lists.start();
    for (const c of caches) c.sync();
    caches[1]!.live = false; // e.g. a Role without `watch`, or the apiserver restarting
    expect(names(await lists.list('team'))).toEqual(['listed']);
    caches[1]!.live = true;
    expect(await lists.list('team')).toEqual([]);
    for (const c of caches) c.namespaces = ['team'];
    expect(names(await lists.list('elsewhere'))).toEqual(['listed']);
    expect(fallbacks).toEqual(['team', 'elsewhere']);
    await lists.stop();
    expect(names(await lists.list('team'))).toEqual(['listed']);
  });

  it('waits for the first lists at most syncWaitMs in all, then falls back without waiting again', async () => {
    const { lists, fallbacks } = setup(30);
    lists.start();
    expect(names(await lists.list('team'))).toEqual(['listed']);
    // The first lists are not waited for again: the read is answered before the next turn of the loop.
    let second: Obj[] | undefined;
    void lists.list('team').then((l) => (second = l));
    await new Promise((r) => setImmediate(r));
    expect(names(second!)).toEqual(['listed']);
    expect(fallbacks).toEqual(['team', 'team']);
  });
});

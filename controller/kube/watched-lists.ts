// A namespace's objects of one or more kinds from list+watch caches (common/informer.ts), for the
// evaluations that read workloads and Pods: apply's user lookup, restart, holds review, running-pod
// truth and the health gate. At 1,000 followed rollouts the gate alone read thousands of LISTs per
// update tick (docs/benchmarks.md, "Watch caches instead of timed lists"); a watch costs one
// connection per kind and sends only what changed.
//
// A cache is read only while it is live (synced, its watch not failing). Before the first list has
// completed a reader waits for it, once and at most `syncWaitMs` for the whole program; after that, and
// whenever a watch is failing (an apiserver outage, a Role without `watch`), `fallback` reads the
// apiserver, as the controller did before it had caches. A cache that is a moment behind is safe: every
// workload write tests the values it read (a failed test reads the workload again), and the gate looks
// again at its next poll.
import type { Cache } from '../../common/cache.js';
import type { KubeObject, ListPage } from '../../common/informer.js';
import { indexCache, type CacheIndex } from './cache-index.js';

/**
 * A page of a typed client-node list as the informer reads it: the generated models call the list's
 * continue token `_continue` (`continue` is a reserved word), the informer (and the wire) `continue`.
 * Without this the informer took the first page for the whole list.
 */
export function typedPage<T>(list: {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string };
}): ListPage<T> {
  const { resourceVersion, _continue } = list.metadata ?? {};
  return {
    items: list.items as T[],
    metadata: {
      ...(resourceVersion ? { resourceVersion } : {}),
      ...(_continue ? { continue: _continue } : {}),
    },
  };
}

export interface WatchedListsOptions<T extends KubeObject> {
  /** One cache per kind; a namespace's list is theirs together. */
  caches: readonly Cache<T>[];
  /** Reads the apiserver when the caches cannot answer. */
  fallback: (namespace: string) => Promise<T[]>;
  /** How long readers wait, in all, for the first lists after start() (default 30 s). */
  syncWaitMs?: number;
  /** Index every cache by these keys, for listBy() (cache-index.ts). */
  indexBy?: (obj: T) => ReadonlySet<string>;
}

export class WatchedLists<T extends KubeObject> {
  private started = false;
  private firstSync: Promise<void> | undefined;
  /** One per cache, in the order of `caches`; registered before any cache starts. */
  private readonly indexes: CacheIndex<T>[] | undefined;

  constructor(private readonly opts: WatchedListsOptions<T>) {
    const keysOf = opts.indexBy;
    if (keysOf) this.indexes = opts.caches.map((c) => indexCache(c, keysOf));
  }

  /** Starts every cache's list and watch; returns at once (readers wait for the first lists). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const caches = this.opts.caches;
    for (const c of caches) void c.start();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.opts.syncWaitMs ?? 30_000);
      timer.unref?.();
    });
    this.firstSync = Promise.race([Promise.all(caches.map((c) => c.whenSynced())), gaveUp]).then(() =>
      clearTimeout(timer),
    );
  }

  /** Stops the watches and drops what they held; readers fall back until the next start() lists again. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.firstSync = undefined;
    const stopped = this.opts.caches.map((c) => c.stop({ forget: true }));
    // The caches dropped their objects and list afresh (emitting an add for each) on the next start().
    for (const index of this.indexes ?? []) index.clear();
    await Promise.all(stopped);
  }

  /** Whether `namespace` can be answered from the caches now (waiting for the first lists if need be). */
  async live(namespace: string): Promise<boolean> {
    if (!this.started || !this.opts.caches.every((c) => c.watches(namespace))) return false;
    if (!this.opts.caches.every((c) => c.isSynced)) await this.firstSync;
    return this.started && this.opts.caches.every((c) => c.isLive(namespace));
  }

  /** The namespace's objects: from the caches while they are live, else from `fallback`. */
  async list(namespace: string, fallback = () => this.opts.fallback(namespace)): Promise<T[]> {
    if (await this.live(namespace)) return this.opts.caches.flatMap((c) => c.list(namespace));
    return fallback();
  }

  /**
   * The namespace's objects that carry `key` (`indexBy`): list() and a filter, answered from the
   * indexes while the caches are live, so it costs the objects found and not the namespace's size.
   * Kinds (caches) in order, each in name order; `fallback` is list()'s and its answer is filtered.
   */
  async listBy(namespace: string, key: string, fallback = () => this.opts.fallback(namespace)): Promise<T[]> {
    const keysOf = this.opts.indexBy;
    const indexes = this.indexes;
    if (!keysOf || !indexes) throw new Error('WatchedLists.listBy needs the indexBy option');
    if (!(await this.live(namespace))) return (await fallback()).filter((o) => keysOf(o).has(key));
    const found: T[] = [];
    this.opts.caches.forEach((cache, i) => {
      for (const k of indexes[i]!.keys(namespace, key)) {
        const obj = cache.getByKey(k);
        if (obj && keysOf(obj).has(key)) found.push(obj);
      }
    });
    return found;
  }

  /** The index of `caches[cache]` (with `indexBy`), for tests and the bench. */
  index(cache: number): CacheIndex<T> | undefined {
    return this.indexes?.[cache];
  }

  /** Puts an object this program just wrote into its cache (`cache` of `caches`; see Informer.upsert). */
  upsert(cache: number, written: T): void {
    if (this.started) this.opts.caches[cache]?.upsert(written);
  }
}

// A TTL cache that also coalesces: while a value is being loaded, everyone asking for the same key waits
// for that one load instead of starting their own request. Failures are not cached, so the next caller
// retries, but callers that joined a failing load all get its error.

export type CacheOutcome = 'hit' | 'miss' | 'coalesced';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export interface TtlCacheOptions {
  ttlMs: number;
  /** Least recently used entries are dropped beyond this many; bounds memory when many repositories are followed. */
  maxEntries?: number;
  now?: () => number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TtlCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached value, or the result of `load` (run at most once at a time per key). `fresh` skips a
   * cached value (a webhook said the repository changed) but still joins a load already under way.
   */
  async get(
    key: string,
    load: () => Promise<V>,
    options: {
      fresh?: boolean;
      onOutcome?: (outcome: CacheOutcome) => void;
      /** Lifetime of this value when it differs from the cache's (a token that says when it expires). */
      ttlFor?: (value: V) => number;
    } = {},
  ): Promise<V> {
    const running = this.inflight.get(key);
    if (running) {
      options.onOutcome?.('coalesced');
      return running;
    }
    if (!options.fresh) {
      const entry = this.entries.get(key);
      if (entry && entry.expiresAt > this.now()) {
        options.onOutcome?.('hit');
        // Least recently used goes first when the cache is full: move a hit to the young end.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.value;
      }
    }
    options.onOutcome?.('miss');
    const promise = (async () => {
      try {
        const value = await load();
        this.set(key, value, options.ttlFor ? options.ttlFor(value) : this.ttlMs);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, promise);
    return promise;
  }

  /** A cached, unexpired value without loading. */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }

  set(key: string, value: V, ttlMs = this.ttlMs): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

// Lists of one namespace shared by the evaluations that need them within a short time. When a tag lands,
// every Image of the repository applies at once, and the health gate then looks at every rollout every
// few seconds: without sharing, 1,000 Images cost thousands of LISTs per tick. A list up to `ttlMs` old
// is safe for both: apply's patch tests the values it read (a failed test reads the workload again), and
// the gate looks again at its next poll.
export class SharedLists<T> {
  private readonly entries = new Map<string, { at: number; items: Promise<T[]> }>();

  /** `ttlMs` 0: nothing is shared, every call lists. */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The items under `key`: the shared list while it is fresh, else a new one from `load`. */
  async get(key: string, load: () => Promise<T[]>): Promise<T[]> {
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < this.ttlMs) return [...(await cached.items)];
    const items = load();
    if (this.ttlMs > 0) {
      this.entries.set(key, { at: now, items });
      items.catch(() => this.entries.delete(key));
      for (const [k, entry] of this.entries) if (now - entry.at >= this.ttlMs) this.entries.delete(k);
    }
    return [...(await items)];
  }

  /** Keeps a shared list current with what this program just wrote. */
  update(key: string, change: (items: T[]) => T[]): void {
    const cached = this.entries.get(key);
    if (cached) cached.items = cached.items.then(change);
  }
}

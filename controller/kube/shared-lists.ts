// Lists of one namespace shared by the evaluations that need them within a short time. When a tag lands,
// every Image of the repository applies at once, and the health gate then looks at every rollout every
// few seconds: without sharing, 1,000 Images cost thousands of LISTs per tick. A list up to `ttlMs` old
// is safe for the gate, the holds review and pod truth (they look again at their next evaluation).
//
// It is not safe for deciding which workloads apply patches: a Deployment created a moment before the
// decision is missing from a list taken before it, and apply would report "no workload uses …" while the
// new tag goes to status (the workload then runs the old tag until the next change). Such callers ask
// for a `fresh` list: one that starts after they asked. Callers that ask while a list is in flight share
// the one list queued behind it, so a burst of applies in a namespace costs two lists, not one per Image.
export interface GetOptions {
  /** Only a list that starts after this call will do (it still joins a list queued by others). */
  fresh?: boolean;
}

export class SharedLists<T> {
  private readonly entries = new Map<string, { at: number; items: Promise<T[]> }>();
  private readonly running = new Map<string, Promise<T[]>>();
  private readonly queued = new Map<string, Promise<T[]>>();

  /** `ttlMs` 0: nothing is shared by time (fresh callers still share a queued list). */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The items under `key`: the shared list while it is fresh enough, else a new one from `load`. */
  async get(key: string, load: () => Promise<T[]>, opts: GetOptions = {}): Promise<T[]> {
    if (opts.fresh) return [...(await this.next(key, load))];
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return [...(await cached.items)];
    return [...(await this.start(key, load))];
  }

  /** Keeps a shared list current with what this program just wrote. */
  update(key: string, change: (items: T[]) => T[]): void {
    const cached = this.entries.get(key);
    if (cached) cached.items = cached.items.then(change);
  }

  /** A list that starts now, or right after the one in flight (which may predate the caller). */
  private next(key: string, load: () => Promise<T[]>): Promise<T[]> {
    const queued = this.queued.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, load);
    const begin = () => {
      this.queued.delete(key);
      return this.start(key, load);
    };
    const list = running.then(begin, begin);
    this.queued.set(key, list);
    return list;
  }

  private start(key: string, load: () => Promise<T[]>): Promise<T[]> {
    const now = this.now();
    const items = load();
    this.running.set(key, items);
    const settled = () => {
      if (this.running.get(key) === items) this.running.delete(key);
    };
    items.then(settled, settled);
    if (this.ttlMs > 0) {
      this.entries.set(key, { at: now, items });
      items.catch(() => {
        if (this.entries.get(key)?.items === items) this.entries.delete(key);
      });
      for (const [k, entry] of this.entries) if (now - entry.at >= this.ttlMs) this.entries.delete(k);
    }
    return items;
  }
}

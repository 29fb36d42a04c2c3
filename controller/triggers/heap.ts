// A binary min-heap of keys by due time with an index, so that updating or removing one key of thousands
// is O(log n) instead of a scan. Ties are broken by key, which keeps firing order deterministic.

interface Entry<K> {
  key: K;
  due: number;
}

export class KeyedMinHeap<K extends string> {
  private readonly items: Entry<K>[] = [];
  private readonly index = new Map<K, number>();

  get size(): number {
    return this.items.length;
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  dueOf(key: K): number | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i]?.due;
  }

  /** Inserts `key` or moves it to its new due time. */
  set(key: K, due: number): void {
    const i = this.index.get(key);
    if (i === undefined) {
      this.items.push({ key, due });
      this.index.set(key, this.items.length - 1);
      this.up(this.items.length - 1);
      return;
    }
    const entry = this.items[i] as Entry<K>;
    const old = entry.due;
    entry.due = due;
    if (due < old) this.up(i);
    else this.down(i);
  }

  delete(key: K): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    const last = this.items.pop() as Entry<K>;
    this.index.delete(key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      this.up(i);
      this.down(this.index.get(last.key) as number);
    }
    return true;
  }

  peek(): Entry<K> | undefined {
    const top = this.items[0];
    return top === undefined ? undefined : { ...top };
  }

  clear(): void {
    this.items.length = 0;
    this.index.clear();
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a] as Entry<K>;
    const y = this.items[b] as Entry<K>;
    return x.due < y.due || (x.due === y.due && x.key < y.key);
  }

  private swap(a: number, b: number): void {
    const x = this.items[a] as Entry<K>;
    const y = this.items[b] as Entry<K>;
    this.items[a] = y;
    this.items[b] = x;
    this.index.set(y.key, a);
    this.index.set(x.key, b);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.items.length && this.less(left, smallest)) smallest = left;
      if (right < this.items.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

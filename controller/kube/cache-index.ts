// An index of one list-watch cache (common/cache.ts) by keys its objects carry: the workloads by the
// repositories their containers name. After an update every Image with `apply` looks for the workloads
// of its repository (holds review, running-pod truth, apply itself); a pass over the namespace's
// workloads per Image made that quadratic per namespace (docs/benchmarks.md, "Workload index by
// repository"), where the index answers with the few that match.
//
// It holds `namespace/name` keys, not objects: readers take the objects from the cache, so the index
// never keeps a second copy of a workload alive (the cache replaces an object we wrote by the watch's
// copy of the same version without an event).
import type { Cache } from '../../common/cache.js';
import type { KubeObject } from '../../common/informer.js';
import { objectKey } from '../../common/object-key.js';

/**
 * `namespace/name` of the objects filed under one key: a bare string while there is one (a workload per
 * repository is the common case, and a Set of one costs some 130 bytes more: 1.3 MiB at 10,000).
 */
type Filed = string | Set<string>;

export class CacheIndex<T extends KubeObject> {
  /** namespace → index key → the objects filed under it. */
  private readonly byNamespace = new Map<string, Map<string, Filed>>();
  /** `namespace/name` → the index keys it is filed under (only objects that carry some). */
  private readonly filed = new Map<string, ReadonlySet<string>>();

  /** `keysOf` must answer the same for the same object (it may memoise per object). */
  constructor(readonly keysOf: (obj: T) => ReadonlySet<string>) {}

  /** Files `obj` under its keys now, and no longer under the keys its earlier version carried. */
  set(obj: T): void {
    const key = objectKey(obj);
    const keys = this.keysOf(obj);
    const before = this.filed.get(key);
    const namespace = obj.metadata?.namespace ?? '';
    if (before) for (const k of before) if (!keys.has(k)) this.unfile(namespace, k, key);
    if (keys.size === 0) {
      this.filed.delete(key);
      return;
    }
    let inNs = this.byNamespace.get(namespace);
    if (!inNs) this.byNamespace.set(namespace, (inNs = new Map()));
    for (const k of keys) {
      if (before?.has(k)) continue;
      const filed = inNs.get(k);
      if (filed === undefined) inNs.set(k, key);
      else if (typeof filed !== 'string') filed.add(key);
      else if (filed !== key) inNs.set(k, new Set([filed, key]));
    }
    this.filed.set(key, keys);
  }

  /** Forgets `obj` (by namespace and name: the version does not matter). */
  delete(obj: T): void {
    const key = objectKey(obj);
    const before = this.filed.get(key);
    if (!before) return;
    this.filed.delete(key);
    for (const k of before) this.unfile(obj.metadata?.namespace ?? '', k, key);
  }

  /** Forgets everything (the cache was stopped and dropped what it held). */
  clear(): void {
    this.byNamespace.clear();
    this.filed.clear();
  }

  /** `namespace/name` of the objects of `namespace` filed under `key`, in name order. */
  keys(namespace: string, key: string): string[] {
    const filed = this.byNamespace.get(namespace)?.get(key);
    if (filed === undefined) return [];
    return typeof filed === 'string' ? [filed] : [...filed].sort();
  }

  /** How many objects are filed (for tests and the bench). */
  get size(): number {
    return this.filed.size;
  }

  private unfile(namespace: string, k: string, key: string): void {
    const inNs = this.byNamespace.get(namespace);
    const filed = inNs?.get(k);
    if (!inNs || filed === undefined) return;
    if (typeof filed === 'string') {
      if (filed !== key) return;
      inNs.delete(k);
    } else {
      filed.delete(key);
      if (filed.size === 1) inNs.set(k, filed.values().next().value!);
    }
    if (inNs.size === 0) this.byNamespace.delete(namespace);
  }
}

/**
 * A CacheIndex kept in step with `cache`: every object it lists or watches, and the ones this program
 * wrote (upsert: their watch event then finds them cached and emits no update). Register it before the
 * cache starts so the first list's objects are filed. The cache does not say when it is stopped: whoever
 * stops it with `forget` clears the index too (watched-lists.ts).
 */
export function indexCache<T extends KubeObject>(
  cache: Pick<Cache<T>, 'on'>,
  keysOf: (obj: T) => ReadonlySet<string>,
): CacheIndex<T> {
  const index = new CacheIndex<T>(keysOf);
  for (const ev of ['add', 'update', 'upsert'] as const) cache.on(ev, (obj) => index.set(obj));
  cache.on('delete', (obj) => index.delete(obj));
  return index;
}

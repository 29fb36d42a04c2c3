// One cache over several informers of a kind: one informer per watched namespace, or one for the whole
// cluster. The operator (Images, AlertConfigs, Secret and ConfigMap key names) and the controller (Images)
// both watch `--namespaces` this way; lookups go to the informer of the object's namespace.
import type { Informer, InformerEvent, InformerHandler, KubeObject } from './informer.js';

export class Cache<T extends KubeObject> {
  private readonly informers = new Map<string, Informer<T>>();

  /** `make(undefined)` watches every namespace; it is used when `namespaces` is empty. */
  constructor(namespaces: readonly string[], make: (namespace: string | undefined) => Informer<T>) {
    const watched = namespaces.filter((n) => n !== '');
    if (watched.length === 0) this.informers.set('', make(undefined));
    else for (const ns of new Set(watched)) this.informers.set(ns, make(ns));
  }

  private informerFor(namespace: string): Informer<T> | undefined {
    return this.informers.get('') ?? this.informers.get(namespace);
  }

  get(name: string, namespace: string): T | undefined {
    return this.informerFor(namespace)?.get(namespace, name);
  }

  /** By `namespace/name` (informer.ts objectKey). */
  getByKey(key: string): T | undefined {
    const slash = key.indexOf('/');
    return this.informerFor(slash === -1 ? '' : key.slice(0, slash))?.getByKey(key);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.informerFor(namespace)?.list(namespace) ?? [];
    return [...this.informers.values()].flatMap((i) => i.list());
  }

  get size(): number {
    let n = 0;
    for (const i of this.informers.values()) n += i.size;
    return n;
  }

  /** Puts an object this program just wrote into the cache (see Informer.upsert). */
  upsert(obj: T): void {
    this.informerFor(obj.metadata?.namespace ?? '')?.upsert(obj);
  }

  on(event: InformerEvent, cb: InformerHandler<T>): void {
    for (const i of this.informers.values()) i.on(event, cb);
  }

  off(event: InformerEvent, cb: InformerHandler<T>): void {
    for (const i of this.informers.values()) i.off(event, cb);
  }

  get isSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Whether the informer that holds `namespace` is synced and its watch is not failing (Informer.isLive). */
  isLive(namespace: string): boolean {
    return this.informerFor(namespace)?.isLive ?? false;
  }

  /** Whether `namespace` is watched at all (one of `--namespaces`, or every namespace). */
  watches(namespace: string): boolean {
    return this.informerFor(namespace) !== undefined;
  }

  /** Resolves after every informer's first complete list, without starting any (see start). */
  whenSynced(): Promise<void> {
    return Promise.all([...this.informers.values()].map((i) => i.whenSynced())).then(() => undefined);
  }

  /** Resolves after every informer's first complete list. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  /** `forget`: see Informer.stop. */
  stop(opts: { forget?: boolean } = {}): Promise<void> {
    for (const i of this.informers.values()) i.stop(opts);
    return Promise.resolve();
  }
}

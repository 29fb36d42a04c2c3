// The part of Cache (common/cache.ts) the operator's reconcilers use, fed by hand instead of a watch:
// for their tests and bench/reconcile-stall.ts. put() emits add or update as a watch event would.
import type { InformerEvent, InformerHandler } from '../../common/informer.js';
import type { Image } from '../../crds/index.js';
import type { ReconcilerCaches } from './reconcilers.js';

export class FakeCache<T extends { metadata?: { name?: string; namespace?: string } }> {
  readonly objects = new Map<string, T>();
  private readonly handlers: Record<InformerEvent, Set<InformerHandler<T>>> = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
    upsert: new Set(),
  };
  on(ev: InformerEvent, cb: InformerHandler<T>) {
    this.handlers[ev].add(cb);
  }
  off(ev: InformerEvent, cb: InformerHandler<T>) {
    this.handlers[ev].delete(cb);
  }
  get(name: string, namespace: string) {
    return this.objects.get(`${namespace}/${name}`);
  }
  list(namespace?: string) {
    return [...this.objects.values()].filter(
      (o) => namespace === undefined || o.metadata?.namespace === namespace,
    );
  }
  put(obj: T) {
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const cb of this.handlers[old ? 'update' : 'add']) cb(obj, old);
  }
}

/** The reconcilers' caches: `images`, and empty AlertConfig, Secret and ConfigMap caches. */
export function fakeCaches(images: FakeCache<Image>): ReconcilerCaches {
  return {
    images,
    alertConfigs: new FakeCache(),
    secrets: new FakeCache(),
    configMaps: new FakeCache(),
  } as unknown as ReconcilerCaches;
}

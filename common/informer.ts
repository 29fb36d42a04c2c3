// A list-watch cache of one resource, shared by the controller (Images) and the operator (Images,
// AlertConfigs, Secret/ConfigMap key names, its certificate Secret). Written here rather than taken from
// @kubernetes/client-node's makeInformer because that one gives up after any watch error (it only reports
// it) and cannot bound a watch: here every failure path ends in a retry.
//   - list in pages, then watch from the list's resourceVersion with bookmarks;
//   - 410 Gone (resourceVersion too old, e.g. after a long apiserver outage) → list again and emit the
//     differences (adds, updates, deletes) so no change is missed;
//   - connection refused/reset, apiserver restarts, 5xx → back off (1 s doubling to 30 s) and watch again;
//   - every watch asks the server to end it after timeoutSeconds, and a client-side timer ends it a bit
//     later still, so a half-open connection cannot freeze the cache;
//   - an optional transform runs on every object before it is cached or handed to a handler (e.g. Secrets
//     reduced to key names, so no secret value stays in memory).
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import { kubeMessage, statusCode } from './kube.js';
import { objectKey } from './object-key.js';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * 'upsert': this program put an object it wrote into the cache (upsert()). The watch event of that
 * resourceVersion then finds it cached and emits no 'update', so an index kept from the events listens
 * to this too; handlers that should only see changes from the watch listen to 'update' alone.
 */
export type InformerEvent = 'add' | 'update' | 'delete' | 'upsert';

/** `old` is the cached object an update or upsert replaces (undefined for add and delete). */
export type InformerHandler<T> = (obj: T, old?: T) => void;

export interface InformerOptions<T extends KubeObject> {
  kubeConfig: KubeConfig;
  /** e.g. `/apis/tagpilot.dev/v1alpha1/images` or `/apis/tagpilot.dev/v1alpha1/namespaces/team/images`. */
  path: string;
  /** One page of the list at `path`, with the same selectors as the watch. */
  list: (page: { limit: number; continueToken?: string }) => Promise<ListPage<T>>;
  /** Sent with the watch; `list` must apply the same ones. */
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every listed or watched object before it is cached or handed to handlers. */
  transform?: (obj: T) => T;
  log: Logger;
  /** For logs: what this informer watches (default: the path). */
  name?: string;
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T, old: T) => void;
  onDelete?: (obj: T) => void;
  /** Counts watch restarts by reason, for metrics. */
  onRestart?: (reason: 'expired' | 'error' | 'closed') => void;
  pageSize?: number;
  watchTimeoutSeconds?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export { objectKey };

/**
 * Whether `incoming` is at least as new as `cached`. resourceVersions are opaque by contract, but the
 * apiserver's are etcd revisions (integers); comparing them keeps a watch event that is older than our
 * own write's response from overwriting the newer object in the cache. Non-numeric versions: trust order.
 */
export function isNotOlder(incoming: string | undefined, cached: string | undefined): boolean {
  if (!incoming || !cached || !/^\d+$/.test(incoming) || !/^\d+$/.test(cached)) return true;
  return BigInt(incoming) >= BigInt(cached);
}

export class Informer<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  /** The same objects by namespace, so a namespace's list does not walk the whole cluster's. */
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private resourceVersion = '';
  private stopped = true;
  private abort: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private failures = 0;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  /** Incremented per start/stop so callbacks of an abandoned watch are ignored. */
  private epoch = 0;
  private readonly watch: Watch;
  private readonly transform: (obj: T) => T;
  private readonly handlers: Record<InformerEvent, Set<InformerHandler<T>>> = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
    upsert: new Set(),
  };

  constructor(private readonly opts: InformerOptions<T>) {
    this.watch = new Watch(opts.kubeConfig);
    this.transform = opts.transform ?? ((o) => o);
    if (opts.onAdd) this.handlers.add.add(opts.onAdd);
    if (opts.onUpdate) this.handlers.update.add(opts.onUpdate as InformerHandler<T>);
    if (opts.onDelete) this.handlers.delete.add(opts.onDelete);
  }

  /** Adds a handler; add it before start() to see every object of the first list. */
  on(event: InformerEvent, cb: InformerHandler<T>): void {
    this.handlers[event].add(cb);
  }

  off(event: InformerEvent, cb: InformerHandler<T>): void {
    this.handlers[event].delete(cb);
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const cb of this.handlers[event]) {
      try {
        cb(obj, old);
      } catch (err) {
        // One faulty handler must neither stop the others nor break the watch.
        this.opts.log.error(
          { informer: this.opts.name ?? this.opts.path, event, err: errorMessage(err) },
          'informer handler failed',
        );
      }
    }
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Synced, and the watch is not failing: the cache is as current as the watch delivers. After a failed
   * list or watch (an apiserver outage, a Role without `watch`) it is false until a list succeeds or
   * the watch delivers again (an event or a bookmark), and a reader that must not act on an old
   * picture reads the apiserver meanwhile. (Not "the watch's response has started": a proxy in front
   * of the apiserver may hold the headers of a quiet watch until its first event.)
   */
  get isLive(): boolean {
    return this.synced && !this.stopped && this.failures === 0;
  }

  private put(key: string, obj: T): void {
    this.objects.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let inNs = this.byNamespace.get(ns);
    if (!inNs) this.byNamespace.set(ns, (inNs = new Map()));
    inNs.set(key, obj);
  }

  private remove(key: string): boolean {
    const obj = this.objects.get(key);
    if (!obj) return false;
    this.objects.delete(key);
    const ns = obj.metadata?.namespace ?? '';
    const inNs = this.byNamespace.get(ns);
    inNs?.delete(key);
    if (inNs?.size === 0) this.byNamespace.delete(ns);
    return true;
  }

  /** Starts listing and watching; resolves after the first complete list (retrying until it succeeds). */
  async start(): Promise<void> {
    if (!this.stopped) return this.waitForSync();
    this.stopped = false;
    this.epoch++;
    void this.run(this.epoch);
    return this.waitForSync();
  }

  /**
   * Stops watching. `forget`: also drop the objects and where the watch was, so a later start() lists
   * afresh and is not synced before that (a cache stopped for long must not pass for a current one).
   */
  stop(opts: { forget?: boolean } = {}): void {
    this.stopped = true;
    this.epoch++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    this.abort?.abort();
    this.abort = undefined;
    for (const w of this.syncWaiters.splice(0)) w();
    if (opts.forget) {
      this.objects.clear();
      this.byNamespace.clear();
      this.resourceVersion = '';
      this.synced = false;
      this.failures = 0;
    }
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  get size(): number {
    return this.objects.size;
  }

  /**
   * Puts an object we just wrote (the apiserver's response) into the cache, so the next evaluation of it
   * sees our write even if the watch event has not arrived yet. Older versions never replace newer ones.
   */
  upsert(written: T): void {
    const obj = this.transform(written);
    const key = objectKey(obj);
    const cached = this.objects.get(key);
    if (!cached) return; // deleted meanwhile: the watch is the authority on existence
    if (!isNotOlder(obj.metadata?.resourceVersion, cached.metadata?.resourceVersion)) return;
    this.put(key, obj);
    this.emit('upsert', obj, cached);
  }

  /** Resolves after the first complete list, or at once when stopped. */
  whenSynced(): Promise<void> {
    return this.waitForSync();
  }

  private waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private async run(epoch: number): Promise<void> {
    if (epoch !== this.epoch) return;
    try {
      if (!this.resourceVersion) await this.relist(epoch);
      if (epoch !== this.epoch) return;
      await this.startWatch(epoch);
    } catch (err) {
      this.failed(epoch, err);
    }
  }

  /** After a failed list or watch: relist at once on 410, else back off and try again. */
  private failed(epoch: number, err: unknown): void {
    if (epoch !== this.epoch) return;
    if (statusCode(err) === 410 || (err as { statusCode?: number } | null)?.statusCode === 410) {
      this.resourceVersion = '';
      this.opts.onRestart?.('expired');
      this.retry(epoch, 0);
      return;
    }
    this.failures++;
    this.opts.onRestart?.('error');
    const delay = Math.min(
      this.opts.retryMaxMs ?? 30_000,
      (this.opts.retryBaseMs ?? 1_000) * 2 ** Math.min(this.failures - 1, 10),
    );
    const message = (err as { statusCode?: number } | null)?.statusCode
      ? `HTTP ${(err as { statusCode: number }).statusCode}`
      : kubeMessage(err);
    this.opts.log.warn(
      { informer: this.opts.name ?? this.opts.path, err: message, retryInMs: delay },
      'list/watch failed; retrying',
    );
    this.retry(epoch, delay);
  }

  private retry(epoch: number, delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.run(epoch), delayMs);
  }

  private async relist(epoch: number): Promise<void> {
    const pageSize = this.opts.pageSize ?? 500;
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let rv = '';
    do {
      const page = await this.opts.list({ limit: pageSize, continueToken });
      if (epoch !== this.epoch) return;
      for (const item of page.items) {
        const obj = this.transform(item);
        fresh.set(objectKey(obj), obj);
      }
      continueToken = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (continueToken);

    const old = new Map(this.objects);
    this.objects.clear();
    this.byNamespace.clear();
    for (const [key, obj] of fresh) this.put(key, obj);
    for (const [key, obj] of fresh) {
      const before = old.get(key);
      if (!before) this.emit('add', obj);
      else if (before.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.emit('update', obj, before);
    }
    for (const [key, obj] of old) if (!fresh.has(key)) this.emit('delete', obj);
    this.resourceVersion = rv;
    this.failures = 0;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async startWatch(epoch: number): Promise<void> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    let expired = false;
    let errorEvent: unknown;
    const done = (err: unknown) => {
      if (epoch !== this.epoch) return;
      clearTimeout(this.watchdog);
      this.abort = undefined;
      if (expired) {
        this.resourceVersion = '';
        this.opts.onRestart?.('expired');
        this.retry(epoch, 0);
      } else if (err || errorEvent) {
        this.failed(epoch, err ?? errorEvent);
      } else {
        // A normal end (the server's timeoutSeconds): watch again from where we were.
        this.opts.onRestart?.('closed');
        this.retry(epoch, 0);
      }
    };
    const controller = await this.watch.watch(
      this.opts.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
        ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
      },
      (phase: string, obj: T & { code?: number; message?: string }) => {
        if (epoch !== this.epoch) return;
        this.failures = 0;
        this.handleEvent(
          phase,
          obj,
          () => (expired = true),
          () => (errorEvent = Object.assign(new Error(obj.message ?? 'watch error'), { code: obj.code })),
        );
      },
      done,
    );
    if (epoch !== this.epoch) {
      controller.abort();
      return;
    }
    this.abort = controller;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => controller.abort(), (timeoutSeconds + 30) * 1000);
  }

  private handleEvent(
    phase: string,
    raw: T & { code?: number },
    markExpired: () => void,
    markError: () => void,
  ): void {
    switch (phase) {
      case 'ADDED':
      case 'MODIFIED': {
        const obj = this.transform(raw);
        const key = objectKey(obj);
        const old = this.objects.get(key);
        this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
        if (old && !isNotOlder(obj.metadata?.resourceVersion, old.metadata?.resourceVersion)) return;
        this.put(key, obj);
        if (!old) this.emit('add', obj);
        else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
          this.emit('update', obj, old);
        return;
      }
      case 'DELETED': {
        const obj = this.transform(raw);
        const key = objectKey(obj);
        this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
        if (this.remove(key)) this.emit('delete', obj);
        return;
      }
      case 'BOOKMARK':
        this.resourceVersion = raw.metadata?.resourceVersion ?? this.resourceVersion;
        return;
      case 'ERROR':
        if (raw.code === 410) markExpired();
        else markError();
        this.abort?.abort();
        return;
    }
  }
}

// The Pods of a workload: those of the workload's label selector, out of the namespace's Pods in the
// controller's Pod watch cache (watched-lists.ts). Without the cache (the CLI, some tests), or while
// its watch fails, out of a namespace list shared for 2 s (shared-lists.ts): 1,000 rollouts followed
// every 3 s would otherwise cost 300 LISTs a second.
import { CoreV1Api, type KubeConfig, type V1LabelSelector, type V1Pod } from '@kubernetes/client-node';
import { Cache } from '../../common/cache.js';
import { Informer } from '../../common/informer.js';
import type { Logger } from '../../common/logger.js';
import { changedBeyondVersion, compactPod } from './compact.js';
import { SharedLists } from './shared-lists.js';
import { typedPage, WatchedLists } from './watched-lists.js';

export interface PodReader {
  /**
   * `fresh`: when the watch cache cannot answer, list now by the selector instead of sharing the
   * namespace's list. Running-pod truth decides restarts from what the Pods run: a list seconds old
   * could restart a workload that has just started the current image (the watch cache is current).
   */
  list(namespace: string, selector: V1LabelSelector, opts?: { fresh?: boolean }): Promise<V1Pod[]>;
  /** Whether the namespace's Pods are watched and the cache live: onChange sees every change. */
  watching?(namespace: string): Promise<boolean>;
}

/** A label selector in the query syntax; undefined when it selects nothing (no labels, no expressions). */
export function selectorString(s: V1LabelSelector): string | undefined {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

/** Whether `labels` match the selector (matchLabels and matchExpressions, as the apiserver does). */
export function selectorMatches(s: V1LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export interface PodReaderOptions {
  /** Watch the Pods (a list+watch cache scoped like the Image watch) once start() was called. */
  watch?: {
    namespaces: readonly string[];
    log: Logger;
    onRestart?: (reason: 'expired' | 'error' | 'closed') => void;
    /** Items per page of the first list (default 500; tests use small pages). */
    pageSize?: number;
  };
  /** How long a namespace's Pod list is shared when it is read from the apiserver (default 2 s). */
  listTtlMs?: number;
  now?: () => number;
  /** For tests: how long readers wait for the first list (watched-lists.ts). */
  syncWaitMs?: number;
}

export class KubePodReader implements PodReader {
  private readonly api: CoreV1Api;
  private readonly lists: SharedLists<V1Pod>;
  private readonly watched: WatchedLists<V1Pod> | undefined;
  private readonly cache: Cache<V1Pod> | undefined;

  constructor(kubeConfig: KubeConfig, opts: PodReaderOptions = {}) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.lists = new SharedLists(opts.listTtlMs ?? 2_000, opts.now);
    const watch = opts.watch;
    if (!watch) return;
    const cache = (this.cache = new Cache<V1Pod>(
      watch.namespaces,
      (ns) =>
        new Informer<V1Pod>({
          kubeConfig,
          path: `/api/v1${ns ? `/namespaces/${encodeURIComponent(ns)}` : ''}/pods`,
          list: async (page) => {
            const p = { limit: page.limit, ...(page.continueToken ? { _continue: page.continueToken } : {}) };
            return typedPage<V1Pod>(
              await (ns
                ? this.api.listNamespacedPod({ ...p, namespace: ns })
                : this.api.listPodForAllNamespaces(p)),
            );
          },
          transform: compactPod,
          log: watch.log,
          ...(watch.pageSize ? { pageSize: watch.pageSize } : {}),
          name: `pods${ns ? ` in ${ns}` : ''}`,
          ...(watch.onRestart ? { onRestart: watch.onRestart } : {}),
        }),
    ));
    this.watched = new WatchedLists({
      caches: [cache],
      fallback: (namespace) => this.lists.get(namespace, () => this.listNamespace(namespace)),
      ...(opts.syncWaitMs !== undefined ? { syncWaitMs: opts.syncWaitMs } : {}),
    });
  }

  /**
   * Calls `cb` for each Pod the watch cache sees added, or changed in what it keeps (compact.ts: a change
   * of nothing but the resourceVersion is not one); nothing without `watch`.
   */
  onChange(cb: (pod: V1Pod) => void): void {
    this.cache?.on('add', cb);
    this.cache?.on('update', (pod, before) => {
      if (changedBeyondVersion(before, pod)) cb(pod);
    });
  }

  /** Starts the watch cache (without `watch` in the options: nothing); returns at once. */
  start(): void {
    this.watched?.start();
  }

  stop(): Promise<void> {
    return this.watched?.stop() ?? Promise.resolve();
  }

  private async listNamespace(namespace: string): Promise<V1Pod[]> {
    return (await this.api.listNamespacedPod({ namespace })).items.map(compactPod);
  }

  async watching(namespace: string): Promise<boolean> {
    return this.watched !== undefined && (await this.watched.live(namespace));
  }

  async list(namespace: string, selector: V1LabelSelector, opts: { fresh?: boolean } = {}): Promise<V1Pod[]> {
    // An empty selector would select every Pod of the namespace; a workload always has one.
    const labelSelector = selectorString(selector);
    if (labelSelector === undefined) return [];
    let pods: V1Pod[];
    if (this.watched && (await this.watched.live(namespace))) pods = await this.watched.list(namespace);
    else if (opts.fresh) {
      return (await this.api.listNamespacedPod({ namespace, labelSelector })).items.map(compactPod);
    } else pods = await this.lists.get(namespace, () => this.listNamespace(namespace));
    return pods.filter((p) => selectorMatches(selector, p.metadata?.labels));
  }
}

// The workload kinds the apply and restart actions touch, behind one small interface so the actions do
// not care which API group a kind lives in.
import { AppsV1Api, BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Cache } from '../../common/cache.js';
import { Informer } from '../../common/informer.js';
import { KubeJson, PATCH, type PatchType } from '../../common/kube-json.js';
import type { Logger } from '../../common/logger.js';
import type { ManagedFieldsEntry } from '../../domain/holds/owner.js';
import { repositoriesOf } from './pod-spec.js';
import { changedBeyondVersion, compactWorkload } from './compact.js';
import { FIELD_MANAGER } from './images.js';
import { SharedLists } from './shared-lists.js';
import { typedPage, WatchedLists } from './watched-lists.js';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface Workload {
  kind: WorkloadKind;
  metadata: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    /** Who wrote which field (holds read the owner of each container image). */
    managedFields?: ManagedFieldsEntry[];
  };
  spec?: unknown;
  /** As read (the health gate follows it); absent on objects built by hand. */
  status?: unknown;
}

export const WORKLOAD_API_VERSION: Record<WorkloadKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  CronJob: 'batch/v1',
};

export interface WorkloadClient {
  /**
   * Every workload of the supported kinds in the namespace: from the watch caches while they are live
   * (they are behind by the watch's delivery time, milliseconds). Else from the apiserver, where
   * `fresh` asks for a list read after this call (apply's choice of workloads, through listUsing) and
   * otherwise a list shared for a moment may do (shared-lists.ts).
   */
  list(namespace: string, opts?: { fresh?: boolean }): Promise<Workload[]>;
  /**
   * The workloads of list() whose containers or init containers name `repository` (`domain/path`,
   * actions/workloads.ts repositoriesOf), from an index of the watch caches while they are live, so it
   * costs what it finds and not the namespace's size. Kinds in WORKLOAD_KINDS order, each by name.
   */
  listUsing(namespace: string, repository: string, opts?: { fresh?: boolean }): Promise<Workload[]>;
  /** One workload as last seen, like list(); undefined when it is not there. */
  find(kind: WorkloadKind, namespace: string, name: string): Promise<Workload | undefined>;
  /** Whether the namespace's workloads are watched and their caches live: onChange sees every change. */
  watching?(namespace: string): Promise<boolean>;
  get(kind: WorkloadKind, namespace: string, name: string): Promise<Workload>;
  jsonPatch(kind: WorkloadKind, namespace: string, name: string, ops: object[]): Promise<Workload>;
  strategicPatch(kind: WorkloadKind, namespace: string, name: string, body: object): Promise<Workload>;
}

type Any = { metadata?: Workload['metadata']; spec?: unknown; status?: unknown };
const as = (kind: WorkloadKind, o: Any): Workload =>
  compactWorkload(kind, o as Parameters<typeof compactWorkload>[1]);

export interface WorkloadClientOptions {
  /**
   * Watch the workloads (list+watch caches, one per kind, scoped like the Image watch) and read
   * namespaces from them once start() was called. Without it every read lists the namespace, shared
   * for `listTtlMs` (the CLI and tests that need no watch).
   */
  watch?: {
    namespaces: readonly string[];
    log: Logger;
    onRestart?: (reason: RestartReason) => void;
    /** Items per page of the first list (default 500; tests use small pages). */
    pageSize?: number;
  };
  /**
   * How long a namespace's list is shared when it is read from the apiserver (default 2 s; 0: not at
   * all; see shared-lists.ts): without watch caches, or while they cannot answer.
   */
  listTtlMs?: number;
  now?: () => number;
  /** For tests: how long readers wait for the first lists (watched-lists.ts). */
  syncWaitMs?: number;
}

type RestartReason = 'expired' | 'error' | 'closed';

const PLURAL: Record<WorkloadKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  CronJob: 'cronjobs',
};

/** The API path of one workload. */
export function workloadPath(kind: WorkloadKind, namespace: string, name: string): string {
  const ns = encodeURIComponent(namespace);
  return `/apis/${WORKLOAD_API_VERSION[kind]}/namespaces/${ns}/${PLURAL[kind]}/${encodeURIComponent(name)}`;
}

export class KubeWorkloadClient implements WorkloadClient {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly lists: SharedLists<Workload>;
  private readonly watched: WatchedLists<Workload> | undefined;
  private readonly caches: Map<WorkloadKind, Cache<Workload>> | undefined;
  private readonly json: KubeJson;

  constructor(kubeConfig: KubeConfig, opts: WorkloadClientOptions = {}) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.json = new KubeJson(kubeConfig);
    this.lists = new SharedLists(opts.listTtlMs ?? 2_000, opts.now);
    const watch = opts.watch;
    if (!watch) return;
    this.caches = new Map(
      WORKLOAD_KINDS.map((kind) => [
        kind,
        new Cache<Workload>(
          watch.namespaces,
          (ns) =>
            new Informer<Workload>({
              kubeConfig,
              path: `/apis/${WORKLOAD_API_VERSION[kind]}${ns ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${PLURAL[kind]}`,
              list: async (page) => typedPage<Workload>(await this.listKind(kind, ns, page)),
              transform: (o) => as(kind, o),
              log: watch.log,
              ...(watch.pageSize ? { pageSize: watch.pageSize } : {}),
              name: `${PLURAL[kind]}${ns ? ` in ${ns}` : ''}`,
              ...(watch.onRestart ? { onRestart: watch.onRestart } : {}),
            }),
        ),
      ]),
    );
    this.watched = new WatchedLists({
      caches: [...this.caches.values()],
      fallback: (namespace) => this.lists.get(namespace, () => this.listAll(namespace)),
      indexBy: repositoriesOf,
      ...(opts.syncWaitMs !== undefined ? { syncWaitMs: opts.syncWaitMs } : {}),
    });
  }

  /** Starts the watch caches (without `watch` in the options: nothing); returns at once. */
  start(): void {
    this.watched?.start();
  }

  stop(): Promise<void> {
    return this.watched?.stop() ?? Promise.resolve();
  }

  list(namespace: string, opts: { fresh?: boolean } = {}): Promise<Workload[]> {
    const listed = () => this.listed(namespace, opts);
    return this.watched ? this.watched.list(namespace, listed) : listed();
  }

  async listUsing(
    namespace: string,
    repository: string,
    opts: { fresh?: boolean } = {},
  ): Promise<Workload[]> {
    const listed = () => this.listed(namespace, opts);
    if (this.watched) return this.watched.listBy(namespace, repository, listed);
    return (await listed()).filter((w) => repositoriesOf(w).has(repository));
  }

  /** The namespace's workloads from the apiserver: a list shared for a moment, or one read now (`fresh`). */
  private listed(namespace: string, opts: { fresh?: boolean }): Promise<Workload[]> {
    return this.lists.get(namespace, () => this.listAll(namespace), opts);
  }

  /**
   * Calls `cb` for each change the watch caches see in what they keep (compact.ts: a change of nothing
   * but the resourceVersion is not one); nothing without `watch`.
   */
  onChange(cb: (workload: Workload) => void): void {
    for (const cache of this.caches?.values() ?? [])
      cache.on('update', (w, before) => {
        if (changedBeyondVersion(before, w)) cb(w);
      });
  }

  /** The watch cache's copy right now, without waiting for a sync (undefined without `watch`). */
  cached(kind: WorkloadKind, namespace: string, name: string): Workload | undefined {
    return this.caches?.get(kind)?.get(name, namespace);
  }

  async watching(namespace: string): Promise<boolean> {
    return this.caches !== undefined && (await this.watched!.live(namespace));
  }

  async find(kind: WorkloadKind, namespace: string, name: string): Promise<Workload | undefined> {
    if (this.caches && (await this.watched!.live(namespace)))
      return this.caches.get(kind)!.get(name, namespace);
    return (await this.list(namespace)).find((w) => w.kind === kind && w.metadata.name === name);
  }

  /** Keeps the cache (or the shared list) current with what we just wrote. */
  private remember(namespace: string, written: Workload): Workload {
    this.watched?.upsert(WORKLOAD_KINDS.indexOf(written.kind), written);
    this.lists.update(namespace, (list) =>
      list.map((w) => (w.kind === written.kind && w.metadata.name === written.metadata.name ? written : w)),
    );
    return written;
  }

  private async listAll(namespace: string): Promise<Workload[]> {
    const lists = await Promise.all(
      WORKLOAD_KINDS.map(async (kind) => {
        const items: Any[] = (await this.listKind(kind, namespace)).items;
        return items.map((o) => as(kind, o));
      }),
    );
    return lists.flat();
  }

  /** One page of a kind's list in `namespace` (undefined: every namespace). */
  private listKind(
    kind: WorkloadKind,
    namespace: string | undefined,
    page: { limit?: number; continueToken?: string } = {},
  ): Promise<{ items: Any[]; metadata?: { resourceVersion?: string; _continue?: string } }> {
    const p = {
      ...(page.limit ? { limit: page.limit } : {}),
      ...(page.continueToken ? { _continue: page.continueToken } : {}),
    };
    if (namespace === undefined) {
      switch (kind) {
        case 'Deployment':
          return this.apps.listDeploymentForAllNamespaces(p);
        case 'StatefulSet':
          return this.apps.listStatefulSetForAllNamespaces(p);
        case 'DaemonSet':
          return this.apps.listDaemonSetForAllNamespaces(p);
        case 'CronJob':
          return this.batch.listCronJobForAllNamespaces(p);
      }
    }
    const n = { ...p, namespace };
    switch (kind) {
      case 'Deployment':
        return this.apps.listNamespacedDeployment(n);
      case 'StatefulSet':
        return this.apps.listNamespacedStatefulSet(n);
      case 'DaemonSet':
        return this.apps.listNamespacedDaemonSet(n);
      case 'CronJob':
        return this.batch.listNamespacedCronJob(n);
    }
  }

  async get(kind: WorkloadKind, namespace: string, name: string): Promise<Workload> {
    const p = { namespace, name };
    switch (kind) {
      case 'Deployment':
        return as(kind, await this.apps.readNamespacedDeployment(p));
      case 'StatefulSet':
        return as(kind, await this.apps.readNamespacedStatefulSet(p));
      case 'DaemonSet':
        return as(kind, await this.apps.readNamespacedDaemonSet(p));
      case 'CronJob':
        return as(kind, await this.batch.readNamespacedCronJob(p));
    }
  }

  jsonPatch(kind: WorkloadKind, namespace: string, name: string, ops: object[]): Promise<Workload> {
    return this.patch(kind, namespace, name, ops, PATCH.json);
  }

  strategicPatch(kind: WorkloadKind, namespace: string, name: string, body: object): Promise<Workload> {
    return this.patch(kind, namespace, name, body, PATCH.strategic);
  }

  /** Through the thin JSON path (common/kube-json.ts): apply patches one workload per updated Image. */
  private async patch(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    body: object,
    contentType: PatchType,
  ): Promise<Workload> {
    const stored = await this.json.send<Any>({
      method: 'PATCH',
      path: workloadPath(kind, namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      contentType,
      body,
    });
    return this.remember(namespace, as(kind, stored));
  }
}

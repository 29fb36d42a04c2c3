// The workload kinds the apply and restart actions touch, behind one small interface so the actions do
// not care which API group a kind lives in.
import {
  AppsV1Api,
  BatchV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { withoutManagedFields } from '../../common/compact.js';
import { FIELD_MANAGER } from './images.js';
import { imageOwnership, type ManagedFieldsEntry } from '../../domain/holds/owner.js';
import { SharedLists } from './shared-lists.js';

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
   * Every workload of the supported kinds in the namespace. `fresh`: read after this call (apply's
   * choice of workloads); otherwise a list shared for a moment may do (shared-lists.ts).
   */
  list(namespace: string, opts?: { fresh?: boolean }): Promise<Workload[]>;
  get(kind: WorkloadKind, namespace: string, name: string): Promise<Workload>;
  jsonPatch(kind: WorkloadKind, namespace: string, name: string, ops: object[]): Promise<Workload>;
  strategicPatch(kind: WorkloadKind, namespace: string, name: string, body: object): Promise<Workload>;
}

type Any = { metadata?: Workload['metadata']; spec?: unknown; status?: unknown };
// Lists are shared for a while: managedFields are cut down to who owns each container's image (what
// holds read, domain/holds/owner.ts), the rest is dropped.
const as = (kind: WorkloadKind, o: Any): Workload => {
  const ownership = imageOwnership(kind, o.metadata?.managedFields);
  const metadata: Workload['metadata'] = withoutManagedFields(o as KubernetesObject).metadata ?? {};
  return {
    kind,
    metadata: ownership ? { ...metadata, managedFields: ownership } : metadata,
    spec: o.spec,
    ...(o.status !== undefined ? { status: o.status } : {}),
  };
};

export interface WorkloadClientOptions {
  /**
   * How long a namespace's workload list is shared by the evaluations that need it (default 2 s; 0: not
   * at all; see shared-lists.ts). When a tag lands, every Image of the repository applies at once:
   * without sharing, 100 Images in a namespace cost 400 LISTs.
   */
  listTtlMs?: number;
  now?: () => number;
}

export class KubeWorkloadClient implements WorkloadClient {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly lists: SharedLists<Workload>;

  constructor(kubeConfig: KubeConfig, opts: WorkloadClientOptions = {}) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.lists = new SharedLists(opts.listTtlMs ?? 2_000, opts.now);
  }

  list(namespace: string, opts: { fresh?: boolean } = {}): Promise<Workload[]> {
    return this.lists.get(namespace, () => this.listAll(namespace), opts);
  }

  /** Keeps a shared list current with what we just wrote. */
  private remember(namespace: string, written: Workload): Workload {
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

  private listKind(kind: WorkloadKind, namespace: string): Promise<{ items: Any[] }> {
    switch (kind) {
      case 'Deployment':
        return this.apps.listNamespacedDeployment({ namespace });
      case 'StatefulSet':
        return this.apps.listNamespacedStatefulSet({ namespace });
      case 'DaemonSet':
        return this.apps.listNamespacedDaemonSet({ namespace });
      case 'CronJob':
        return this.batch.listNamespacedCronJob({ namespace });
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
    return this.patch(kind, namespace, name, ops, PatchStrategy.JsonPatch);
  }

  strategicPatch(kind: WorkloadKind, namespace: string, name: string, body: object): Promise<Workload> {
    return this.patch(kind, namespace, name, body, PatchStrategy.StrategicMergePatch);
  }

  private async patch(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    body: object,
    strategy: PatchStrategy,
  ): Promise<Workload> {
    return this.remember(namespace, await this.patchKind(kind, namespace, name, body, strategy));
  }

  private async patchKind(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    body: object,
    strategy: PatchStrategy,
  ): Promise<Workload> {
    const p = { namespace, name, body, fieldManager: FIELD_MANAGER };
    const o = setHeaderOptions('Content-Type', strategy);
    switch (kind) {
      case 'Deployment':
        return as(kind, await this.apps.patchNamespacedDeployment(p, o));
      case 'StatefulSet':
        return as(kind, await this.apps.patchNamespacedStatefulSet(p, o));
      case 'DaemonSet':
        return as(kind, await this.apps.patchNamespacedDaemonSet(p, o));
      case 'CronJob':
        return as(kind, await this.batch.patchNamespacedCronJob(p, o));
    }
  }
}

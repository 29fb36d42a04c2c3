// Informer caches of the workload kinds annotation mode follows, for every watched namespace. Only what
// the follow reconciler reads is kept (metadata, pod template containers, pull secrets, ServiceAccount):
// a cluster has many workloads and most are not annotated.
import { AppsV1Api, BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Cache } from '../../common/cache.js';
import { Informer, type ListPage } from '../../common/informer.js';
import type { Logger } from '../../common/logger.js';

export const FOLLOWED_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;
export type FollowedKind = (typeof FOLLOWED_KINDS)[number];

export const KIND_API_VERSION: Record<FollowedKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  CronJob: 'batch/v1',
};

const PLURAL: Record<FollowedKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  CronJob: 'cronjobs',
};

export interface SlimContainer {
  name: string;
  image?: string;
}

/** A workload reduced to what annotation mode reads. */
export interface SlimWorkload {
  kind: FollowedKind;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  containers: SlimContainer[];
  initContainers: SlimContainer[];
  imagePullSecrets: string[];
  serviceAccountName?: string;
}

interface PodSpecLike {
  containers?: SlimContainer[];
  initContainers?: SlimContainer[];
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
}

interface Raw {
  metadata?: SlimWorkload['metadata'];
  spec?: {
    template?: { spec?: PodSpecLike };
    jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } };
  };
}

function slim(kind: FollowedKind, o: Raw | SlimWorkload): SlimWorkload {
  if ('containers' in o) return o;
  const pod = (kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec) ?? {};
  const m = o.metadata ?? {};
  const containers = (list: SlimContainer[] | undefined) =>
    (list ?? []).map((c) => ({ name: c.name, ...(c.image ? { image: c.image } : {}) }));
  return {
    kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    containers: containers(pod.containers),
    initContainers: containers(pod.initContainers),
    imagePullSecrets: (pod.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
    ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
  };
}

type Page = { limit: number; continueToken?: string };

function list(
  kc: KubeConfig,
  kind: FollowedKind,
  ns: string | undefined,
  page: Page,
): Promise<ListPage<Raw>> {
  const p = { limit: page.limit, ...(page.continueToken ? { _continue: page.continueToken } : {}) };
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const n = { namespace: ns ?? '', ...p };
  const all = ns === undefined;
  switch (kind) {
    case 'Deployment':
      return all ? apps.listDeploymentForAllNamespaces(p) : apps.listNamespacedDeployment(n);
    case 'StatefulSet':
      return all ? apps.listStatefulSetForAllNamespaces(p) : apps.listNamespacedStatefulSet(n);
    case 'DaemonSet':
      return all ? apps.listDaemonSetForAllNamespaces(p) : apps.listNamespacedDaemonSet(n);
    case 'CronJob':
      return all ? batch.listCronJobForAllNamespaces(p) : batch.listNamespacedCronJob(n);
  }
}

export type WorkloadCaches = Record<FollowedKind, Cache<SlimWorkload>>;

export function workloadCaches(kc: KubeConfig, namespaces: readonly string[], log: Logger): WorkloadCaches {
  const make = (kind: FollowedKind) =>
    new Cache<SlimWorkload>(namespaces, (ns) => {
      const base = `/apis/${KIND_API_VERSION[kind]}`;
      return new Informer<SlimWorkload>({
        kubeConfig: kc,
        path: ns === undefined ? `${base}/${PLURAL[kind]}` : `${base}/namespaces/${ns}/${PLURAL[kind]}`,
        list: async (page) => {
          const r = await list(kc, kind, ns, page);
          return { metadata: r.metadata, items: r.items as unknown as SlimWorkload[] };
        },
        transform: (o) => slim(kind, o as unknown as Raw),
        log,
        name: `${PLURAL[kind]}${ns ? ` in ${ns}` : ''}`,
      });
    });
  return {
    Deployment: make('Deployment'),
    StatefulSet: make('StatefulSet'),
    DaemonSet: make('DaemonSet'),
    CronJob: make('CronJob'),
  };
}

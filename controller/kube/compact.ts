// What the controller keeps of a workload or a Pod in its watch caches: only the fields it reads, so
// 10,000 cached workloads and their Pods stay a few MiB (a Deployment as the apiserver sends it is
// 3–8 KiB, most of it managedFields, the full pod template and status it never looks at). Every
// reader of these objects is listed here, and a field one of them starts to read must be kept here:
//   - apply, restart, holds, rollback (controller/actions/workloads.ts): containers' and init
//     containers' name and image, in their order (JSON patches address them by index), the template's
//     rollout marks and whether it has metadata and annotations at all (markOps adds the missing one);
//   - targets (domain/targets): the workload's name, kind and labels;
//   - holds (domain/holds/owner.ts): who owns each container image in managedFields (imageOwnership);
//   - the health gate (controller/health/observe.ts): generation, replicas, selector, the rollout
//     counters and the conditions that are not True; of Pods: deletionTimestamp, Ready, each container's image,
//     waiting reason and message;
//   - running-pod truth (controller/engine/pod-truth.ts, domain/pods/truth.ts): a Pod's phase, node,
//     rollout marks and each container's imageID;
//   - Events name the object (name, namespace, uid, resourceVersion).
// Idempotent: compacting a compacted object gives the same object (our own writes' responses are put
// into the cache through the same function).
import type {
  V1Container,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodSpec,
} from '@kubernetes/client-node';
import { imageOwnership } from '../../domain/holds/owner.js';
import type { Workload, WorkloadKind } from './workloads.js';

/** Annotations of a template or Pod that the controller reads: its own rollout marks and restartedAt. */
const KEPT_ANNOTATION = /^rollout\.tagpilot\.dev\/|^kubectl\.kubernetes\.io\/restartedAt$/;

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;

function pick<T extends object>(from: T | undefined, keys: readonly (keyof T)[]): Partial<T> | undefined {
  if (!from) return undefined;
  const out: Partial<T> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

function keptAnnotations(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) if (KEPT_ANNOTATION.test(k)) out[k] = v;
  return out;
}

const containers = (list: V1Container[] | undefined): V1Container[] | undefined =>
  list?.map((c) => ({ name: c.name, ...(c.image !== undefined ? { image: c.image } : {}) }));

function podSpec(spec: V1PodSpec | undefined): V1PodSpec | undefined {
  if (!spec) return undefined;
  const init = containers(spec.initContainers);
  return {
    containers: containers(spec.containers) ?? [],
    ...(init ? { initContainers: init } : {}),
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
  };
}

/** A pod template: its metadata only as far as markOps and carriesMark read it, its containers. */
function template(t: unknown): Loose | undefined {
  const o = obj(t);
  if (!o) return undefined;
  const meta = obj(o.metadata);
  const annotations = keptAnnotations(obj(meta?.annotations) as Record<string, string> | undefined);
  return {
    ...(meta ? { metadata: annotations ? { annotations } : {} } : {}),
    ...(o.spec ? { spec: podSpec(o.spec as V1PodSpec) } : {}),
  };
}

const STATUS_FIELDS = [
  'observedGeneration',
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'desiredNumberScheduled',
  'updatedNumberScheduled',
  'numberReady',
  'numberAvailable',
] as const;

function workloadStatus(s: unknown): Loose | undefined {
  const o = obj(s);
  if (!o) return undefined;
  const out = pick(o, STATUS_FIELDS) ?? {};
  // Only conditions that are not True can fail a rollout (ProgressDeadlineExceeded, domain/health/judge.ts);
  // the True ones (Available, Progressing) are most of a healthy workload's status.
  const conditions = o.conditions as { type: string; status: string; reason?: string; message?: string }[];
  const notTrue = Array.isArray(conditions) ? conditions.filter((c) => c.status !== 'True') : [];
  if (notTrue.length) out.conditions = notTrue.map((c) => pick(c, ['type', 'status', 'reason', 'message']));
  return out;
}

function workloadSpec(kind: WorkloadKind, s: unknown): Loose | undefined {
  const o = obj(s);
  if (!o) return undefined;
  if (kind === 'CronJob') {
    const job = obj(obj(o.jobTemplate)?.spec);
    return { jobTemplate: { spec: job ? { template: template(job.template) } : {} } };
  }
  return {
    ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
    ...(o.selector !== undefined ? { selector: o.selector } : {}),
    ...(o.template !== undefined ? { template: template(o.template) } : {}),
  };
}

type AnyWorkload = { metadata?: Workload['metadata'] & Loose; spec?: unknown; status?: unknown };

/** A workload of `kind` as the controller caches it (a list item, a watch event or a write's response). */
export function compactWorkload(kind: WorkloadKind, o: AnyWorkload): Workload {
  const m = o.metadata ?? {};
  const ownership = imageOwnership(kind, m.managedFields);
  const spec = workloadSpec(kind, o.spec);
  const status = workloadStatus(o.status);
  return {
    kind,
    metadata: {
      ...pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels']),
      ...(ownership ? { managedFields: ownership } : {}),
    },
    ...(spec ? { spec } : {}),
    ...(status ? { status } : {}),
  };
}

function containerStatuses(list: V1ContainerStatus[] | undefined): V1ContainerStatus[] | undefined {
  return list?.map((s) => {
    const waiting = s.state?.waiting;
    // Only what the readers use; the type's other required fields stay out (nobody reads them).
    return {
      name: s.name,
      imageID: s.imageID,
      ...(waiting ? { state: { waiting: pick(waiting, ['reason', 'message']) ?? {} } } : {}),
    } as V1ContainerStatus;
  });
}

/** A Pod as the controller caches it. */
export function compactPod(p: V1Pod): V1Pod {
  const m = p.metadata ?? {};
  const annotations = keptAnnotations(m.annotations);
  const s = p.status;
  const ready = s?.conditions
    ?.filter((c) => c.type === 'Ready')
    .map((c): V1PodCondition => ({ type: c.type, status: c.status }));
  const init = containerStatuses(s?.initContainerStatuses);
  const main = containerStatuses(s?.containerStatuses);
  const spec = podSpec(p.spec);
  return {
    metadata: {
      ...pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'labels', 'deletionTimestamp']),
      ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    },
    ...(spec ? { spec } : {}),
    ...(s
      ? {
          status: {
            ...(s.phase ? { phase: s.phase } : {}),
            ...(ready?.length ? { conditions: ready } : {}),
            ...(init ? { initContainerStatuses: init } : {}),
            ...(main ? { containerStatuses: main } : {}),
          },
        }
      : {}),
  };
}

/**
 * Whether a watch event changed a cached (compacted) object in anything but its resourceVersion. The
 * caches keep only what their readers use (above), so an update of anything else
 * (kube-controller-manager's revision annotation, a managedFields time, a status field no one reads) is
 * one no reader can see: the watch caches' change callbacks skip it (workloads.ts and pods.ts
 * `onChange`). Both versions come from the same compaction, so their keys are in the same order. A first
 * sight (no `before`) always counts.
 */
export function changedBeyondVersion<T extends { metadata?: { resourceVersion?: string } }>(
  before: T | undefined,
  after: T,
): boolean {
  if (!before) return true;
  const withoutVersion = (o: T) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return withoutVersion(before) !== withoutVersion(after);
}

// From the objects the apiserver returns to the terms of the judgement (domain/health/judge.ts): the
// workload's rollout counters, and the Pods that run the references apply wrote.
import type { V1Pod } from '@kubernetes/client-node';
import type { ImageRolloutWorkload } from '../../crds/index.js';
import type { PodHealth, WorkloadRollout } from '../../domain/health/judge.js';
import type { Workload } from '../kube/workloads.js';

interface Counts {
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberReady?: number;
  numberAvailable?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export function workloadRollout(w: Workload): WorkloadRollout {
  const status = (w.status ?? {}) as Counts;
  const spec = (w.spec ?? {}) as { replicas?: number };
  const base = {
    kind: w.kind,
    name: w.metadata.name ?? '',
    ...(w.metadata.generation !== undefined ? { generation: w.metadata.generation } : {}),
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status.conditions ? { conditions: status.conditions } : {}),
  };
  if (w.kind === 'DaemonSet') {
    return {
      ...base,
      desired: status.desiredNumberScheduled ?? 0,
      updated: status.updatedNumberScheduled ?? 0,
      ready: status.numberReady ?? 0,
      available: status.numberAvailable ?? 0,
    };
  }
  return {
    ...base,
    desired: spec.replicas ?? 1,
    updated: status.updatedReplicas ?? 0,
    ready: status.readyReplicas ?? 0,
    ...(w.kind === 'Deployment' ? { available: status.availableReplicas ?? 0 } : {}),
  };
}

/** The Pods whose containers run every reference apply wrote (the new template's Pods). */
export function newTemplatePods(pods: readonly V1Pod[], followed: ImageRolloutWorkload): PodHealth[] {
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .filter((p) =>
      followed.containers.every((c) => {
        const list = c.init ? p.spec?.initContainers : p.spec?.containers;
        return list?.find((x) => x.name === c.name)?.image === c.to;
      }),
    )
    .map((p) => ({
      name: p.metadata?.name ?? '',
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      containers: [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map(
        (s) => ({
          name: s.name,
          ...(s.state?.waiting?.reason ? { waitingReason: s.state.waiting.reason } : {}),
          ...(s.state?.waiting?.message ? { waitingMessage: s.state.waiting.message } : {}),
        }),
      ),
    }));
}

// Which followed rollouts a workload or Pod change concerns. The controller wakes those Images' health
// gate when the watch caches see the change, so a rollout is judged when it completes (or a Pod fails)
// rather than at the next poll, and the poll becomes a slow backstop: 1,000 rollouts polled every 3 s
// for the minutes kube-controller-manager takes to roll them were tens of thousands of looks.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { Image } from '../../crds/index.js';
import { selectorMatches } from '../kube/pods.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';

/** The Images (of the workload's namespace) whose status.rollout follows `workload`. */
export function rolloutsOfWorkload(images: readonly Image[], workload: Workload): Image[] {
  const name = workload.metadata.name;
  return images.filter((i) =>
    i.status?.rollout?.workloads.some((w) => w.kind === workload.kind && w.name === name),
  );
}

/**
 * The Images (of the Pod's namespace) whose status.rollout follows a workload selecting `pod`.
 * `workload` reads the watch cache; a workload it does not know wakes nobody (the poll still looks).
 */
export function rolloutsOfPod(
  images: readonly Image[],
  pod: V1Pod,
  workload: (kind: WorkloadKind, name: string) => Workload | undefined,
): Image[] {
  const labels = pod.metadata?.labels ?? {};
  return images.filter((i) =>
    i.status?.rollout?.workloads.some((w) => {
      if (w.kind === 'CronJob') return false;
      const selector = (workload(w.kind, w.name)?.spec as { selector?: V1LabelSelector } | undefined)
        ?.selector;
      return selector !== undefined && selectorMatches(selector, labels);
    }),
  );
}

// One look at a followed rollout: read each workload apply patched and its Pods, and judge it. A
// workload that is gone, or whose containers no longer run what apply wrote (someone changed them), is
// no longer ours to judge: it counts as done and is never rolled back.
import type { V1LabelSelector } from '@kubernetes/client-node';
import type { ImageRollout, ImageRolloutWorkload } from '../../crds/index.js';
import { judgeRollout, judgeWorkload, type Verdict } from '../../domain/health/judge.js';
import { podSpecOf } from '../kube/pod-spec.js';
import { isNotFound } from '../kube/errors.js';
import type { PodReader } from '../kube/pods.js';
import type { Workload, WorkloadClient } from '../kube/workloads.js';
import { newTemplatePods, workloadRollout } from './observe.js';

export interface WatchDeps {
  workloads: Pick<WorkloadClient, 'get' | 'find'>;
  pods: PodReader;
}

/** Whether the workload's template still carries every reference apply wrote. */
export function stillApplied(w: Workload, followed: ImageRolloutWorkload): boolean {
  const spec = podSpecOf(w);
  return followed.containers.every((c) => {
    const list = c.init ? spec?.initContainers : spec?.containers;
    return list?.find((x) => x.name === c.name)?.image === c.to;
  });
}

async function judgeOne(
  deps: WatchDeps,
  namespace: string,
  followed: ImageRolloutWorkload,
): Promise<Verdict> {
  const id = `${followed.kind}/${followed.name}`;
  let w: Workload;
  try {
    // From the watch cache (or the namespace's shared list); a workload missing from it is read on its
    // own, which tells a deleted one (404) from one the cache has not seen yet.
    w =
      (await deps.workloads.find(followed.kind, namespace, followed.name)) ??
      (await deps.workloads.get(followed.kind, namespace, followed.name));
  } catch (err) {
    if (isNotFound(err))
      return { state: 'Healthy', reason: 'Gone', message: `${id} was deleted; not followed` };
    throw err;
  }
  if (!stillApplied(w, followed)) {
    return { state: 'Healthy', reason: 'Changed', message: `${id} was changed since apply; not followed` };
  }
  const selector = (w.spec as { selector?: V1LabelSelector } | undefined)?.selector;
  const pods = selector && w.kind !== 'CronJob' ? await deps.pods.list(namespace, selector) : [];
  return judgeWorkload(workloadRollout(w), newTemplatePods(pods, followed));
}

/** The rollout's verdict now (throws API errors; the queue retries). */
export async function watchRollout(
  deps: WatchDeps,
  namespace: string,
  rollout: ImageRollout,
  now: Date,
): Promise<Verdict> {
  const verdicts = await Promise.all(rollout.workloads.map((w) => judgeOne(deps, namespace, w)));
  return judgeRollout(verdicts, now, new Date(rollout.deadline));
}

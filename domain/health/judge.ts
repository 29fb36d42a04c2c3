// The health gate's judgement of a rollout: from what the workloads and their new Pods report to
// Healthy, Progressing or Failed. Pure: the controller (controller/health/) reads the objects, this
// decides, so every case is a row of a table test.

/** A workload as far as its rollout goes; counts are for the whole workload. */
export interface WorkloadRollout {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
  name: string;
  generation?: number;
  observedGeneration?: number;
  /** Desired Pods (Deployment/StatefulSet spec.replicas, DaemonSet desiredNumberScheduled). */
  desired: number;
  /** Pods of the current template (updatedReplicas, updatedNumberScheduled). */
  updated?: number;
  /** Ready Pods (readyReplicas, numberReady). */
  ready?: number;
  /** Available Pods (availableReplicas, numberAvailable); Deployments and DaemonSets. */
  available?: number;
  conditions?: readonly { type: string; status: string; reason?: string; message?: string }[];
}

/** A Pod running the new references. */
export interface PodHealth {
  name: string;
  ready: boolean;
  containers: readonly { name: string; waitingReason?: string; waitingMessage?: string }[];
}

export type HealthState = 'Healthy' | 'Progressing' | 'Failed';

export interface Verdict {
  state: HealthState;
  /** CamelCase reason for the condition (e.g. CrashLoopBackOff, ProgressDeadlineExceeded). */
  reason: string;
  message: string;
}

/** Container waiting reasons that never heal without a change: the tag is judged failed at once. */
export const FAILING_WAIT_REASONS: readonly string[] = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
];

function condition(w: WorkloadRollout, type: string) {
  return w.conditions?.find((c) => c.type === type);
}

/** The first Pod of the new template stuck in a failing state, as a Failed verdict. */
function failingPod(id: string, pods: readonly PodHealth[]): Verdict | undefined {
  for (const p of pods) {
    for (const c of p.containers) {
      if (c.waitingReason && FAILING_WAIT_REASONS.includes(c.waitingReason)) {
        const detail = c.waitingMessage ? `: ${c.waitingMessage}` : '';
        return {
          state: 'Failed',
          reason: c.waitingReason,
          message: `${id}: Pod ${p.name} container ${c.name} is in ${c.waitingReason}${detail}`,
        };
      }
    }
  }
  return undefined;
}

/** One workload's rollout now. */
export function judgeWorkload(w: WorkloadRollout, pods: readonly PodHealth[]): Verdict {
  const id = `${w.kind}/${w.name}`;
  if (w.kind === 'CronJob') {
    // A CronJob has no rollout: its next Job runs the new reference whenever the schedule says.
    return { state: 'Healthy', reason: 'NoRollout', message: `${id} starts its Pods on its schedule` };
  }
  const failing = failingPod(id, pods);
  if (failing) return failing;
  const progressing = condition(w, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'Failed',
      reason: 'ProgressDeadlineExceeded',
      message: `${id}: ${progressing.message ?? 'progress deadline exceeded'}`,
    };
  }
  if (w.generation !== undefined && (w.observedGeneration ?? 0) < w.generation) {
    return {
      state: 'Progressing',
      reason: 'NotObserved',
      message: `${id}: the new template is not observed yet`,
    };
  }
  const updated = w.updated ?? 0;
  const ready = w.ready ?? 0;
  if (updated < w.desired) {
    return {
      state: 'Progressing',
      reason: 'Updating',
      message: `${id}: ${updated} of ${w.desired} Pods run the new template`,
    };
  }
  const notReady = pods.filter((p) => !p.ready).map((p) => p.name);
  if (ready < w.desired || notReady.length > 0) {
    const which = notReady.length ? ` (not Ready: ${notReady.slice(0, 3).join(', ')})` : '';
    return {
      state: 'Progressing',
      reason: 'NotReady',
      message: `${id}: ${Math.min(ready, w.desired)} of ${w.desired} Pods Ready${which}`,
    };
  }
  if (w.available !== undefined && w.available < w.desired) {
    return {
      state: 'Progressing',
      reason: 'NotAvailable',
      message: `${id}: ${w.available} of ${w.desired} Pods available`,
    };
  }
  return { state: 'Healthy', reason: 'RolledOut', message: `${id}: ${w.desired} of ${w.desired} Pods Ready` };
}

/**
 * The whole rollout: Failed as soon as one workload fails, Healthy when all are, else Progressing until
 * the deadline, when the slowest workload's state becomes the failure.
 */
export function judgeRollout(verdicts: readonly Verdict[], now: Date, deadline: Date): Verdict {
  const failed = verdicts.find((v) => v.state === 'Failed');
  if (failed) return failed;
  const waiting = verdicts.filter((v) => v.state === 'Progressing');
  if (waiting.length === 0) {
    return {
      state: 'Healthy',
      reason: 'RolledOut',
      message: verdicts.map((v) => v.message).join('; ') || 'no workload to follow',
    };
  }
  const text = waiting.map((v) => v.message).join('; ');
  if (now.getTime() >= deadline.getTime()) {
    return { state: 'Failed', reason: 'HealthTimeout', message: `not healthy by the deadline: ${text}` };
  }
  return { state: 'Progressing', reason: 'Progressing', message: text };
}
